"""The UI's two languages (Chinese and English; archived documents are shown as they are).

The language comes from ``?lang=``, else the ``lang`` cookie (set by ``/lang/{code}``), else the
browser's Accept-Language, else Chinese. Templates call ``t("key")``; a missing key shows the key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

LANGS = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "tagline": ("政策文件存档", "archive of Chinese policy documents"),
    "search": ("搜索", "Search"),
    "trends": ("趋势", "Trends"),
    "account": ("我的订阅", "My alerts"),
    "admin": ("管理", "Admin"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "mode": ("范围", "Mode"),
    "mode_any": ("所有版本", "any version"),
    "mode_current": ("现行文本", "current text"),
    "mode_removed": ("已删除段落", "removed passages"),
    "filters": ("筛选", "Filters"),
    "agency": ("发文机关", "Agency"),
    "topic": ("主题分类", "Topic"),
    "validity": ("有效性", "Validity"),
    "published_from": ("发布日期 自", "Published from"),
    "to": ("至", "to"),
    "event": ("事件", "Event"),
    "documents_found": ("份文件", "documents"),
    "truncated": ("约 {estimate} 份；以上统计只含最新的 {cap} 个匹配版本，导出包含全部",
                  "about {estimate} in all; counts and facets cover the newest {cap} matching versions, exports all"),
    "earlier_version": ("早期版本", "earlier version"),
    "versions_matching": ("匹配版本", "versions matching"),
    "history": ("历史", "history"),
    "original_url": ("原始网址", "original URL"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_jsonl": ("导出 JSONL", "Export JSONL"),
    "export_warc": ("导出 WARC", "Export WARC"),
    "versions": ("版本", "Versions"),
    "captured": ("抓取时间", "captured"),
    "events": ("事件", "Events"),
    "captures": ("抓取记录", "Captures"),
    "attachments": ("附件", "Attachments"),
    "reprints": ("转载", "Reprints"),
    "compare": ("比较", "compare"),
    "with": ("与", "with"),
    "diff": ("差异", "diff"),
    "state": ("状态", "state"),
    "first_seen": ("首次发现", "first seen"),
    "download": ("下载", "download"),
    "outcome": ("结果", "outcome"),
    "current": ("现行", "current"),
    "cite": ("引用", "Cite"),
    "copy": ("复制", "copy"),
    "copied": ("已复制", "copied"),
    "permalink": ("永久链接", "permalink"),
    "raw_capture": ("原始抓取文件", "raw capture"),
    "text": ("正文", "Text"),
    "metadata": ("元数据", "Metadata"),
    "side_by_side": ("对照", "Side by side"),
    "inline": ("行内", "Inline"),
    "chars": ("字", "characters"),
    "error": ("出错了", "Error"),
    "not_found": ("未找到", "Not found"),
    "search_archive": ("搜索存档", "Search the archive"),
    "email": ("电子邮件地址", "E-mail address"),
    "send_link": ("发送登录链接", "Send me a sign-in link"),
    "sign_in_intro": ("输入您的电子邮件地址，我们会发送一个登录链接（{minutes} 分钟内有效，仅可使用一次）。",
                      "Enter your e-mail address; we will mail you a sign-in link (valid {minutes} minutes, once)."),
    "link_sent": ("如果地址正确，登录链接已发送到 {email}。请查收邮件。",
                  "A sign-in link has been sent to {email}. Check your mail."),
    "confirm_sign_in": ("以 {email} 身份登录？", "Sign in as {email}?"),
    "link_invalid": ("此登录链接无效、已使用或已过期。请重新申请。",
                     "This sign-in link is invalid, used or expired. Ask for a new one."),
    "csrf_failed": ("表单已过期，请返回并重试。", "The form has expired; go back and try again."),
    "mail_failed": ("登录邮件暂时无法发送，请稍后再试。", "The sign-in mail could not be sent now; try again later."),
    "signed_in_as": ("已登录", "Signed in as"),
    "your_rules": ("我的关注规则", "Your watch rules"),
    "no_rules": ("还没有规则。", "No rules yet."),
    "keywords": ("关键词", "Keywords"),
    "phrases": ("短语", "Phrases"),
    "sources": ("来源", "Sources"),
    "agencies": ("发文机关", "Agencies"),
    "topics": ("主题分类", "Topics"),
    "event_kinds": ("事件类型", "Event kinds"),
    "any": ("任意", "any"),
    "add_rule": ("添加规则", "Add rule"),
    "delete": ("删除", "Delete"),
    "list_hint": ("用逗号或空格分隔", "separate with commas or spaces"),
    "delivery": ("发送方式", "Delivery"),
    "delivery_instant": ("即时", "instant"),
    "delivery_digest": ("每日摘要", "daily digest"),
    "delivery_both": ("两者", "both"),
    "mail_language": ("邮件语言", "Mail language"),
    "digest_hour": ("摘要时间（时）", "Digest hour"),
    "timezone": ("时区", "Time zone"),
    "save": ("保存", "Save"),
    "saved": ("已保存。", "Saved."),
    "paused": ("邮件已停止（已退订）。", "Mail is stopped (unsubscribed)."),
    "resume": ("恢复邮件", "Resume mail"),
    "stop_mail": ("停止所有邮件", "Stop all mail"),
    "subscribers": ("订阅者", "Subscribers"),
    "rules": ("规则", "rules"),
    "active": ("有效", "active"),
    "inactive": ("已停止", "stopped"),
    "deactivate": ("停止邮件", "Stop mail"),
    "activate": ("恢复邮件", "Resume mail"),
    "admins_only": ("仅限管理员。", "Admins only."),
    "last_run": ("上次运行", "last run"),
    "documents": ("文件", "documents"),
    "blocked_hosts": ("被拦截的主机", "Blocked hosts"),
    "manage": ("管理", "manage"),
    "rate_limited": ("请求过于频繁", "Too many requests"),
    "no_text_layer": ("无文字层，需 OCR", "no text layer: needs OCR"),
    "meta_title": ("标题", "Title 标题"),
    "meta_agency": ("发文机关", "Issuer 发文机关"),
    "meta_doc_number": ("发文字号", "Number 发文字号"),
    "meta_written_date": ("成文日期", "Written 成文日期"),
    "meta_publish_date": ("发布日期", "Published 发布日期"),
    "meta_index_number": ("索引号", "Index no. 索引号"),
    "meta_topic": ("主题分类", "Topic 主题分类"),
    "meta_validity": ("有效性", "Validity 有效性"),
    "due": ("待复查文件", "documents due"),
    "paused_source": ("已暂停", "paused"),
    "pause_source": ("暂停抓取", "Pause crawling"),
    "resume_source": ("恢复抓取", "Resume crawling"),
    "facet_source": ("来源网站", "Site"),
    "facet_agency": ("发文机关", "Agency"),
    "facet_topic": ("主题分类", "Topic"),
    "facet_validity": ("有效性", "Validity"),
    "facet_year": ("发布年份", "Year"),
    "trend_intro": ("匹配文件占同期存档文件的比例（按月）。阴影表示覆盖不完整，灰色表示没有数据——不是零。",
                    "Share of each month's archived documents that match. Shaded: partial; grey: no data, not zero."),
    "query": ("查询", "Query"),
    "tracked_term": ("跟踪词", "Tracked term"),
    "group_by": ("分组", "Group by"),
    "by_all": ("不分组", "none"),
    "by_source": ("网站", "site"),
    "by_province": ("省份", "province"),
    "by_level": ("机关层级", "issuer level"),
    "axis": ("时间", "Month of"),
    "axis_published": ("发布日期", "publication"),
    "axis_captured": ("首次抓取", "first capture"),
    "months": ("月份", "Months"),
    "show": ("显示", "Show"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "group": ("分组", "Group"),
    "month": ("月份", "Month"),
    "matching": ("匹配", "Matching"),
    "share": ("比例", "Share"),
    "coverage": ("覆盖", "Coverage"),
    "cov_live": ("完整", "live"),
    "cov_retro": ("追溯（开始监测前发布）", "retro (published before monitoring began)"),
    "cov_backfill": ("首次抓取（含存量）", "backfill (first crawl's backlog)"),
    "cov_gap": ("无数据", "no data"),
    "cov_partial": ("覆盖不完整", "partial coverage"),
    "no_trend_data": ("存档中没有该时间范围内的文件。", "The archive holds no documents in that range."),
}  # fmt: skip


def pick(query_lang: str | None, cookie_lang: str | None, accept_language: str) -> str:
    """The UI language for a request: query, cookie, then Accept-Language; Chinese by default."""
    for choice in (query_lang, cookie_lang):
        if choice in LANGS:
            return str(choice)
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **fields)`` for ``lang``: the message, formatted with ``fields``."""
    index = 1 if lang == "en" else 0

    def t(key: str, **fields: object) -> str:
        pair = MESSAGES.get(key)
        text = pair[index] if pair else key
        return text.format(**fields) if fields else text

    return t


def missing_keys(templates: Mapping[str, str]) -> list[str]:
    """Literal keys used as ``t("…")`` in template sources that have no message (for a test)."""
    import re

    used = {m for src in templates.values() for m in re.findall(r"""\bt\(\s*["']([a-z_]+)["']\s*[,)]""", src)}
    return sorted(used - MESSAGES.keys())
