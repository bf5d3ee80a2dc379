from processing.segment import default_segmenter
from processing.similarity import REPRINT_THRESHOLD, shingles, signature, similarity

SEG = default_segmenter()
BODY = "".join(
    f"第{n}条　{s}"
    for n, s in zip(
        "一二三四五六七八",
        [
            "为了规范法规、规章备案审查工作，提高备案审查能力和质量，制定本条例。",
            "对法规、规章的备案审查，适用本条例。",
            "备案审查工作应当坚持中国共产党的领导。",
            "国务院法制机构负责备案审查的具体工作。",
            "法规、规章应当自公布之日起30日内报送备案。",
            "报送备案时，应当提交备案报告、文本和说明。",
            "国务院法制机构应当对报送备案的法规、规章进行审查。",
            "本条例自公布之日起施行。",
        ],
        strict=True,
    )
)


def sig(text: str) -> bytes:
    s = signature(SEG.index_text(text).split())
    assert s is not None
    return s


def test_reprint_with_cover_note_is_alike_and_unrelated_text_is_not():
    reprint = "现将《法规规章备案审查条例》转发给你们，请认真贯彻执行。" + BODY
    other = "第一条　为了加强互联网信息服务管理，促进互联网信息服务健康有序发展，制定本办法。" * 3
    assert similarity(sig(BODY), sig(BODY)) == 1.0
    assert similarity(sig(BODY), sig(reprint)) >= REPRINT_THRESHOLD
    assert similarity(sig(BODY), sig(other)) < 0.2


def test_empty_and_short_texts():
    assert signature([]) is None and shingles(["甲", " ", "乙"]) == {"甲\x1f乙".encode()}


def test_signature_is_datasketch_affine32_bit_for_bit():
    """Stored sketches stay comparable with those made by datasketch 2 (the earlier implementation)."""
    from datasketch import MinHash

    for text in (BODY, BODY[:40], "本条例自公布之日起施行。", "单"):
        grams = shingles(SEG.index_text(text).split())
        ref = MinHash(num_perm=128, seed=20260302, scheme="affine32")
        ref.update_batch(list(grams))
        assert sig(text) == bytes(ref.hashvalues.astype("<u8").tobytes())
