import pytest

from processing.diff import word_diff
from processing.revision import RevisionClass, classify_revision
from processing.segment import default_segmenter

SEG = default_segmenter()
BASE = "第一条　为推进社会信用体系建设，制定本办法。\n第二条　本办法自2019年1月1日起施行。"


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (BASE.replace("制定本办法。", "制定本办法；"), RevisionClass.COSMETIC),
        (BASE.replace("\n第二条", "\n\n第二条　"), RevisionClass.COSMETIC),
        (BASE.replace("2019年1月1日", "2020年3月15日"), RevisionClass.DATE_OR_NUMBER),
        (BASE.replace("第二条", "第三条"), RevisionClass.DATE_OR_NUMBER),
        (BASE.replace("制定本办法", "制定本办法并依法惩戒失信被执行人"), RevisionClass.SUBSTANTIVE),
        (BASE.replace("2019年1月1日起施行", "公布之日起施行"), RevisionClass.SUBSTANTIVE),
    ],
)
def test_revision_classes(new, expected):
    assert classify_revision(word_diff(BASE, new, SEG.tokens)) is expected


def test_unchanged_body_with_changed_fields_is_metadata():
    assert classify_revision(word_diff(BASE, BASE, SEG.tokens), ["title"]) is RevisionClass.METADATA
    assert classify_revision(None, []) is RevisionClass.COSMETIC
