"""Reprint candidates come from the LSH band index (store.lsh), on real SQLite and PostgreSQL."""

import random
from dataclasses import replace

from sqlalchemy import func, select

from processing.segment import default_segmenter
from processing.similarity import REPRINT_THRESHOLD, signature, similarity
from store.db import transaction
from store.lsh import BANDS, band_keys
from store.models import Document, SketchBand
from store.repo import add_capture, add_version, create_document, ensure_source, sketches_elsewhere
from tests.store.test_archive import T0, content, record

NATIONAL = (
    "为加快推进社会信用体系建设，建立健全守信联合激励和失信联合惩戒机制，现提出以下意见。"
    "一、总体要求。坚持依法依规、保护权益、审慎适度的原则，完善信用修复机制，"
    "推动各地区各部门在行政管理中依法依规使用信用记录和信用报告。"
    "二、主要任务。健全失信被执行人名单制度，规范信用信息共享平台建设，加强个人信息保护。"
)


def _random_text(rng: random.Random) -> str:
    words = ["城市", "管理", "规划", "交通", "教育", "卫生", "环境", "住房", "农业", "财政", "审计", "统计"]
    return "".join(rng.choice(words) + rng.choice("，。、的和") for _ in range(120))


def _store(s, src, url: str, text: str):
    c = replace(content(text), sketch=signature(default_segmenter().tokens(text)))
    doc = create_document(s, src.id, url, T0, c)
    add_version(s, doc, add_capture(s, src.id, None, record(url), document_id=doc.id), c, T0)
    return doc, c


def test_band_keys_are_stable_and_one_per_band():
    sig = signature(default_segmenter().tokens(NATIONAL))
    assert sig is not None and len(band_keys(sig)) == BANDS and band_keys(sig) == band_keys(bytes(sig))
    assert len(set(band_keys(sig))) == BANDS


def test_a_local_copy_is_a_candidate_and_unrelated_documents_are_not(sessions):
    rng = random.Random(5)
    with transaction(sessions) as s:
        src = ensure_source(s, "sim-govcn", "govcn", {"start_urls": []}, T0)
        national, _ = _store(s, src, "http://www.gov.cn.example/zhengce/content_1.htm", NATIONAL)
        for i in range(60):
            _store(s, src, f"http://other{i % 3}.example/doc_{i}.html", _random_text(rng))
        assert s.scalar(select(func.count(SketchBand.id))) == 61 * BANDS
        local_text = "现将国务院文件转发给你们，请认真贯彻执行。" + NATIONAL
        local, c = _store(s, src, "http://xxgk.city.example/zcwj/t_9.html", local_text)
        found = sketches_elsewhere(s, local.host, c.sketch)
        ids = [doc_id for doc_id, _, _ in found]
        assert national.id in ids
        assert len(ids) < 10  # an index lookup, not every document of other hosts (61)
        score = similarity(c.sketch, {d: sk for d, _, sk in found}[national.id])
        assert score >= REPRINT_THRESHOLD
        assert all(s.get(Document, d).host != local.host for d, _, _ in found)
