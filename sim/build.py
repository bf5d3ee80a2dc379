"""Document factory: turns per-site specs into seeded :class:`~sim.model.Document` objects
(texts, dates, identifiers, metadata, attachments) with their initial per-day states."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from sim import content
from sim.model import BEIJING, LAST_DAY, Attachment, DocState, Document, Version, day_date

GOVCN_SALUTATION = "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："
TRS_SALUTATION = "各市人民政府，各县（市、区）人民政府，省政府各部门、各直属机构，各大企业，各高等院校："
TOPICS = (
    "综合政务\\政务公开",
    "科技、教育\\科技",
    "城乡建设、环境保护\\城市规划",
    "卫生、体育\\卫生",
    "劳动、人事、监察\\劳动就业",
    "公安、安全、司法\\司法",
    "市场监管、安全生产监管\\安全生产监管",
    "民政、扶贫、救灾\\社会福利",
    "国民经济管理、国有资产监管\\其他",
)
EDITORS = ("王晓", "李敏", "张磊", "刘洋", "陈静", "赵婷", "孙鹏", "周琳")
TRS_SOURCES = ("大众日报", "山东省司法厅", "山东省人民政府网站", "中国山东网")
WENMING_SOURCES = ("淄博日报", "淄博文明网", "张店区文明办", "鲁中晨报")
CREDIT_TITLES = {
    "c01": "关于开展信用修复专项行动的通知",
    "c02": "全省失信被执行人名单管理工作情况通报",
    "c03": "关于进一步完善联合惩戒机制的实施方案",
}
WENMING_TITLES = {"w06": "淄博市召开巩固全国文明城市创建成果推进会"}


@dataclass(frozen=True)
class DocSpec:
    """The fixed part of a document: its key, the day it appears, a server quirk, keywords."""

    key: str
    first_day: int
    quirk: str | None = None
    keywords: tuple[str, ...] = ()


def publish_time(rng: random.Random, day_offset: int) -> datetime:
    """A seeded publication instant ``day_offset`` days after day 0 (negative = before)."""
    midnight = datetime.combine(day_date(0) + timedelta(days=day_offset), time(0, 0), tzinfo=BEIJING)
    return midnight + timedelta(
        hours=rng.randint(8, 9 if day_offset >= 0 else 17), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59)
    )


def _texts(site: str, specs: tuple[DocSpec, ...], rng: random.Random, root: Path | None) -> list[content.SourceText]:
    n = len(specs)
    corpus: list[content.SourceText] = []
    if root is not None and site == "govcn":
        corpus = content.pick_corpus_texts(root, rng, "行政法规", n)
    elif root is not None and site == "trs":
        corpus = content.pick_corpus_texts(root, rng, "DLC/山东", n)
    texts: list[content.SourceText] = []
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        if i < len(corpus):
            texts.append(corpus[i])
            continue
        for _ in range(50):
            if site == "govcn":
                text = content.generate_policy(rng, rng.choice(("国务院", "国务院办公厅")), GOVCN_SALUTATION)
            elif site == "trs":
                text = content.generate_policy(
                    rng, rng.choice(("山东省人民政府", "山东省人民政府办公厅")), TRS_SALUTATION
                )
            elif site == "wenming":
                text = content.generate_news(rng, "淄博市")
            else:
                text = content.generate_policy(rng, "山东省发展和改革委员会", "各市发展改革委，省直有关部门：")
            if text.title not in seen:
                break
        title = CREDIT_TITLES.get(spec.key) or WENMING_TITLES.get(spec.key) or text.title
        if site == "wenming":
            title = content.gbk_safe(title)
        seen.add(title)
        texts.append(content.SourceText(title, text.agency, text.preamble, text.paragraphs, text.origin))
    return texts


def _doc_number(site: str, agency: str, year: int, serial: int) -> str:
    if site == "govcn":
        prefix = "国办发" if "办公厅" in agency else ("国发" if serial % 3 else "国函")
        return f"{prefix}〔{year}〕{serial}号"
    if site == "trs":
        if "人民代表大会" in agency:
            prefix = ("鲁" if agency.startswith("山东省") else agency[0]) + "人常公"
        else:
            prefix = "鲁政办字" if "办公厅" in agency else "鲁政发"
        return f"{prefix}[{year}]{serial}号" if serial % 2 else f"{prefix}（{year}）{serial}号"
    if site == "credit":
        return f"鲁发改信用〔{year}〕{serial}号"
    return ""


def _path(site: str, when: datetime, doc_id: int) -> str:
    ym, ymd = when.strftime("%Y%m"), when.strftime("%Y%m%d")
    return {
        "govcn": f"/zhengce/content/{ym}/content_{doc_id}.htm",
        "trs": f"/xxgk/zcwj/{ym}/t{ymd}_{doc_id}.html",
        "wenming": f"/wmcj/{ym}/t{ymd}_{doc_id}.shtml",
        "credit": f"/xyzx/{ym}/t{ymd}_{doc_id}.html",
    }[site]


_ID_RANGES = {
    "govcn": (7010000, (900, 4000)),
    "trs": (610000, (300, 2000)),
    "wenming": (7460000, (500, 3000)),
    "credit": (1200, (3, 40)),
}


def _with_keywords(paragraphs: tuple[str, ...], keywords: tuple[str, ...]) -> tuple[str, ...]:
    if not keywords:
        return paragraphs
    extra = "".join(content.KEYWORD_SENTENCES[k] for k in keywords)
    at = max(1, len(paragraphs) - 1)
    return (*paragraphs[:at], extra, *paragraphs[at:])


def make_documents(site: str, specs: tuple[DocSpec, ...], rng: random.Random, root: Path | None) -> list[Document]:
    """Seeded documents of one site, ordered as ``specs``, with initial per-day states.

    Texts draw from their own generator, so URLs and identifiers do not depend on whether
    the corpus is present.
    """
    text_rng = random.Random(rng.getrandbits(64))
    initial = [s for s in specs if s.first_day == 0]
    offsets = sorted(rng.sample(range(-170, -3), len(initial)))
    times = {s.key: publish_time(rng, off) for s, off in zip(initial, offsets, strict=True)}
    times.update({s.key: publish_time(rng, s.first_day) for s in specs if s.first_day > 0})
    start, (lo, hi) = _ID_RANGES[site]
    ids: dict[str, int] = {}
    current = start + rng.randint(0, 5000 if site != "credit" else 50)
    for spec in sorted(specs, key=lambda s: times[s.key]):
        current += rng.randint(lo, hi)
        ids[spec.key] = current
    texts = _texts(site, specs, text_rng, root)
    check = rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
    organ = "000014349" if site == "govcn" else f"11370000MB{rng.randint(1000000, 9999999)}{check}"
    serials: dict[int, int] = {}
    docs: list[Document] = []
    for spec, text in zip(specs, texts, strict=True):
        when = times[spec.key]
        year = when.year
        serials[year] = serials.get(year, rng.randint(20, 90)) + rng.randint(1, 9)
        agency = (
            text.agency
            or {
                "govcn": "国务院",
                "trs": "山东省人民政府",
                "wenming": "淄博市文明办",
                "credit": "山东省发展和改革委员会",
            }[site]
        )
        path = _path(site, when, ids[spec.key])
        attachments: tuple[Attachment, ...] = ()
        if site == "trs":
            stamp = when.strftime("%Y%m%d")
            attachments = (
                Attachment(f"P0{stamp}{rng.randint(10**11, 10**12 - 1)}.pdf", "pdf", f"{text.title}.pdf"),
                Attachment(f"W0{stamp}{rng.randint(10**11, 10**12 - 1)}.docx", "docx", f"{text.title}政策解读.docx"),
            )
        doc = Document(
            site=site,
            key=spec.key,
            doc_id=str(ids[spec.key]),
            path=path,
            title=text.title,
            agency=agency,
            doc_number=_doc_number(site, agency, year, serials[year]),
            index_no=f"{organ}/{year}-{serials[year]:05d}" if site in ("govcn", "trs") else "",
            topic=rng.choice(TOPICS),
            written=when.date() - timedelta(days=rng.randint(5, 30)),
            published=when,
            source={"trs": rng.choice(TRS_SOURCES), "wenming": rng.choice(WENMING_SOURCES)}.get(site, agency),
            editor=rng.choice(EDITORS),
            first_day=spec.first_day,
            keywords=spec.keywords,
            quirk=spec.quirk,
            origin=text.origin,
            preamble=text.preamble,
            attachments=attachments,
        )
        paragraphs = _with_keywords(text.paragraphs, spec.keywords)
        if site == "wenming":
            paragraphs = tuple(content.gbk_safe(p) for p in paragraphs)
        version = Version(doc.title, paragraphs, "有效", when)
        off = DocState(exists=False, path=path, listed=False, gone=None, version=version)
        on = DocState(exists=True, path=path, listed=True, gone=None, version=version)
        doc.states = [on if d >= spec.first_day else off for d in range(LAST_DAY + 1)]
        docs.append(doc)
    return docs


def make_reprint(
    site: str, key: str, source: Document, day: int, siblings: list[Document], rng: random.Random
) -> Document:
    """A ``site`` document first listed on ``day`` that reprints (转发) ``source``: a short local
    cover paragraph, then ``source``'s body paragraphs verbatim as served on ``day``, under the
    same title. Its identifiers fit between its ``siblings`` (same site) without changing them.
    """
    original = source.state(day).version
    when = publish_time(rng, day)
    before = [int(d.doc_id) for d in siblings if d.published < when]
    after = [int(d.doc_id) for d in siblings if d.published > when]
    lo, hi = _ID_RANGES[site][1]
    low = max(before, default=_ID_RANGES[site][0]) + 1
    high = min(after, default=low + hi) - 1
    doc_id = rng.randint(low, high) if high > low else low + rng.randint(lo, hi)
    agency = "山东省人民政府办公厅"
    organ = next((d.index_no.split("/")[0] for d in siblings if d.index_no), "")
    numbers = [d.index_no.rsplit("/", 1)[1].split("-") for d in siblings if d.index_no]
    used = [int(serial) for year, serial in numbers if year == str(when.year)]
    serial = max(used, default=rng.randint(20, 90)) + rng.randint(1, 9)
    title = original.title
    stamp = when.strftime("%Y%m%d")
    cover = f"现将《{title}》转发给你们，请结合实际认真贯彻执行。"
    doc = Document(
        site=site,
        key=key,
        doc_id=str(doc_id),
        path=_path(site, when, doc_id),
        title=title,
        agency=agency,
        doc_number=_doc_number(site, agency, when.year, serial),
        index_no=f"{organ}/{when.year}-{serial:05d}" if organ else "",
        topic=source.topic,
        written=max(source.published.date(), when.date() - timedelta(days=rng.randint(1, 2))),
        published=when,
        source=rng.choice(TRS_SOURCES) if site == "trs" else agency,
        editor=rng.choice(EDITORS),
        first_day=day,
        keywords=source.keywords,
        origin=source.origin,  # the text is the source's
        attachments=(
            Attachment(f"P0{stamp}{rng.randint(10**11, 10**12 - 1)}.pdf", "pdf", f"{title}.pdf"),
            Attachment(f"W0{stamp}{rng.randint(10**11, 10**12 - 1)}.docx", "docx", f"{title}政策解读.docx"),
        )
        if site == "trs"
        else (),
    )
    version = Version(title, (cover, *original.paragraphs), "有效", when)
    off = DocState(exists=False, path=doc.path, listed=False, gone=None, version=version)
    on = DocState(exists=True, path=doc.path, listed=True, gone=None, version=version)
    doc.states = [on if d >= day else off for d in range(LAST_DAY + 1)]
    return doc
