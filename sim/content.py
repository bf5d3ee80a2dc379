"""Text sources for simulated documents: real regulation texts from the shared corpus, or a
seeded generator of policy-style Chinese when no corpus is available.

The corpus is ``<repo>/../shared/corpus/texts`` (``index.jsonl`` plus Markdown files with a
header block, ``<!-- INFO END -->``, then the articles); ``POLICYWATCH_CORPUS_DIR`` names
another corpus root (the folder holding ``pages/`` and ``texts/``).
"""

from __future__ import annotations

import json
import os
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

KEYWORDS: tuple[str, ...] = (
    "社会信用体系",
    "失信被执行人",
    "全国文明城市",
    "网格化管理",
    "健康码",
    "信用修复",
    "联合惩戒",
)
"""Watch-list terms a test researcher subscribes to; some documents carry them."""

KEYWORD_SENTENCES: dict[str, str] = {
    "社会信用体系": "加快推进社会信用体系建设，健全守信激励和失信惩戒机制，依法依规开展联合惩戒。",
    "失信被执行人": "对失信被执行人依法实施限制高消费等措施，相关信息按规定纳入信用信息共享平台。",
    "全国文明城市": "以创建全国文明城市为抓手，持续深化文明城市创建工作，不断提升市民文明素质和城市文明程度。",
    "网格化管理": "全面推行网格化管理，将矛盾纠纷排查化解、政策宣传等工作落实到网格，做到底数清、情况明。",
    "健康码": "规范健康码等数字化服务应用，及时清理不再使用的个人信息，切实保护个人隐私。",
    "信用修复": "建立健全信用修复机制，对主动纠正失信行为、消除不良影响的市场主体，按规定及时开展信用修复。",
    "联合惩戒": "完善跨部门联合惩戒措施清单，确保联合惩戒依法依规、过罚相当。",
}

INFO_END = "<!-- INFO END -->"


@dataclass(frozen=True)
class SourceText:
    """A title and body for one document, with where it came from."""

    title: str
    agency: str | None
    preamble: tuple[str, ...]
    paragraphs: tuple[str, ...]
    origin: str


def corpus_dir() -> Path | None:
    """The corpus ``texts/`` directory if it exists (``$POLICYWATCH_CORPUS_DIR/texts`` wins), else ``None``."""
    env = os.environ.get("POLICYWATCH_CORPUS_DIR")
    base = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    root = base / "texts"
    return root if (root / "index.jsonl").is_file() else None


def parse_corpus_markdown(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Split a corpus Markdown file into (title, preamble lines, body paragraphs)."""
    head, _, body = text.partition(INFO_END)
    if not body:
        head, body = "", text
    title = ""
    preamble: list[str] = []
    for line in head.splitlines():
        line = line.strip()
        if line.startswith("#") and not title:
            title = line.lstrip("#").strip()
        elif line:
            preamble.append(line)
    paragraphs = [
        re.sub(r"\s{2,}", " ", line.strip().lstrip("#").strip()) for line in body.splitlines() if line.strip()
    ]
    return title, tuple(preamble), tuple(p for p in paragraphs if p)


def _trim(paragraphs: tuple[str, ...], max_chars: int) -> tuple[str, ...]:
    kept: list[str] = []
    total = 0
    for para in paragraphs:
        if kept and total + len(para) > max_chars:
            break
        kept.append(para)
        total += len(para)
    return tuple(kept)


def pick_corpus_texts(
    root: Path, rng: random.Random, category_prefix: str, count: int, max_bytes: int = 16000
) -> list[SourceText]:
    """Choose up to ``count`` distinct texts of one category (small ones first), seeded."""
    rows = []
    for line in (root / "index.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    latest = [
        r
        for r in rows
        if str(r.get("category", "")).startswith(category_prefix)
        and (r.get("kind") == "single" or r.get("version_index") == r.get("versions_total"))
    ]
    small = sorted((r for r in latest if int(r.get("bytes", 0)) <= max_bytes), key=lambda r: str(r["file"]))
    large = sorted((r for r in latest if int(r.get("bytes", 0)) > max_bytes), key=lambda r: str(r["file"]))
    rng.shuffle(small)
    rng.shuffle(large)
    chosen: list[SourceText] = []
    titles: set[str] = set()
    for row in small + large:
        if len(chosen) >= count:
            break
        path = root / str(row["file"])
        if not path.is_file() or row["title"] in titles:
            continue
        title, preamble, paragraphs = parse_corpus_markdown(path.read_text(encoding="utf-8"))
        paragraphs = _trim(paragraphs, 5000)
        if len(paragraphs) < 3:
            continue
        titles.add(row["title"])
        chosen.append(
            SourceText(
                title=str(row.get("title") or title),
                agency=row.get("issuing_body"),
                preamble=preamble[:2],
                paragraphs=paragraphs,
                origin=f"corpus:{row['file']}",
            )
        )
    return chosen


def gbk_safe(text: str) -> str:
    """Make ``text`` encodable in GBK: NFKC-normalise odd characters, drop the rest."""
    out: list[str] = []
    for char in text:
        try:
            char.encode("gbk")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        folded = unicodedata.normalize("NFKC", char)
        try:
            folded.encode("gbk")
            out.append(folded)
        except UnicodeEncodeError:
            out.append("?" if char.isprintable() else "")
    return "".join(out)


_ACTIONS = ("进一步加强", "深入推进", "加快推进", "全面做好", "切实做好", "健全完善", "持续优化")
_TOPICS = (
    "政务公开工作",
    "营商环境建设",
    "基层治理体系建设",
    "城市精细化管理",
    "数字政府建设",
    "公共卫生应急管理",
    "养老服务体系建设",
    "安全生产工作",
    "农村人居环境整治",
    "政务服务标准化",
    "法治政府建设",
    "科技成果转化",
    "就业创业服务",
    "生态环境保护",
    "防灾减灾救灾",
)
_KINDS = ("通知", "意见", "实施意见", "若干措施", "工作方案")
_SUBJECTS = ("各地区各部门", "各级人民政府", "有关部门", "各市人民政府", "省直有关单位", "县级以上人民政府")
_VERBS = ("切实加强", "统筹推进", "不断完善", "严格落实", "积极探索", "全面提升", "着力健全", "持续深化")
_OBJECTS = (
    "组织领导和统筹协调",
    "工作机制和制度规范",
    "信息共享和业务协同",
    "监督检查和考核评价",
    "政策宣传和解读回应",
    "资金保障和人才支撑",
    "风险防范和应急处置",
    "基础设施和服务能力",
    "标准体系和质量管理",
    "群众满意度和获得感",
)
_CLAUSES = (
    "确保各项任务落到实处",
    "形成工作合力",
    "及时研究解决工作中的重大问题",
    "推动工作取得实效",
    "不断提高工作的规范化、标准化水平",
    "切实维护人民群众合法权益",
    "为高质量发展提供有力支撑",
)
_SECTIONS = ("总体要求", "重点任务", "创新工作机制", "强化服务保障", "加强组织实施")
_NUMS = "一二三四五六七八九十"


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)}要{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}，{rng.choice(_CLAUSES)}。"


def generate_policy(rng: random.Random, agency: str, salutation: str) -> SourceText:
    """A seeded 通知/意见-style policy text issued by ``agency``."""
    topic = rng.choice(_TOPICS)
    kind = rng.choice(_KINDS)
    title = f"{agency}关于{rng.choice(_ACTIONS)}{topic}的{kind}"
    paragraphs = [
        salutation,
        f"为深入贯彻落实党中央、国务院决策部署，{rng.choice(_VERBS)}{topic}，"
        f"{rng.choice(_CLAUSES)}，经研究同意，现就有关事项通知如下。",
    ]
    for i, section in enumerate(rng.sample(_SECTIONS, 3)):
        paragraphs.append(f"{_NUMS[i]}、{section}")
        for j in range(rng.randint(2, 3)):
            paragraphs.append(
                f"（{_NUMS[j]}）{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}。"
                + "".join(_sentence(rng) for _ in range(rng.randint(2, 3)))
            )
    short = {"实施意见": "意见", "若干措施": "措施", "工作方案": "方案"}.get(kind, kind)
    paragraphs.append(f"本{short}自印发之日起施行。")
    return SourceText(title=title, agency=agency, preamble=(), paragraphs=tuple(paragraphs), origin="generated")


_ACTIVITIES = (
    "学雷锋志愿服务",
    "文明交通劝导",
    "垃圾分类进社区",
    "我们的节日·春节",
    "邻里守望",
    "文明餐桌",
    "关爱空巢老人",
    "新时代文明实践进万家",
    "移风易俗树新风",
    "诚信经营示范街创建",
)
_PLACES = ("张店区", "淄川区", "博山区", "周村区", "临淄区", "桓台县", "高青县", "沂源县")
_NEWS_LINES = (
    "活动现场，志愿者们耐心为群众讲解相关知识，发放宣传资料，受到居民一致好评。",
    "据介绍，今年以来该区已累计开展各类志愿服务活动三百余场，参与群众近万人次。",
    "下一步，将持续推动新时代文明实践阵地建设，让文明新风浸润城乡。",
    "社区党组织书记表示，将把活动与日常工作紧密结合，形成长效机制。",
    "活动中，志愿者还走访慰问了辖区困难群众，送去米面油等生活用品。",
    "不少居民表示，这样的活动既有温度又接地气，希望今后多多开展。",
)


def generate_news(rng: random.Random, city: str) -> SourceText:
    """A seeded local 文明网 news item."""
    place = rng.choice(_PLACES)
    activity = rng.choice(_ACTIVITIES)
    title = f"{city}{place}开展“{activity}”主题活动"
    lines = list(rng.sample(_NEWS_LINES, 4))
    first = f"近日，{city}{place}组织开展“{activity}”主题活动，引导广大群众积极参与文明实践，共建共享美好家园。"
    return SourceText(title=title, agency=None, preamble=(), paragraphs=(first, *lines), origin="generated")
