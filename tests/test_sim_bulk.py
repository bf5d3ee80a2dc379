"""The bulk benchmark site serves a paged TRS column, extractable documents and 304s."""

import urllib.error
import urllib.request

import pytest

from crawlers.spiders.trs import trs_pages
from processing.extract import extract
from processing.types import PageKind
from sim.bulk import BulkSite


@pytest.fixture
def site():
    s = BulkSite(120).start()
    yield s
    s.stop()


def _get(url: str, **headers: str):
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)


def test_column_pages_list_every_document_once(site):
    first = _get(site.listing_url).read().decode()
    assert trs_pages(first) == ["index_1.html", "index_2.html"]  # 120 documents, 50 per page
    pages = [first] + [_get(site.origin + "/xxgk/zcwj/" + p).read().decode() for p in trs_pages(first)]
    paths = [u.split(site.origin, 1)[1] for u in site.document_urls()]
    listed = [p for p in paths if any(p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] in html for html in pages)]
    assert len(paths) == len(set(paths)) == len(listed) == 120


def test_documents_extract_and_answer_conditional_gets(site):
    url = site.document_urls()[7]
    resp = _get(url)
    body, etag = resp.read(), resp.headers["ETag"]
    ex = extract(body.decode("utf-8"), url, 200)
    assert ex.kind == PageKind.DOCUMENT and ex.metadata.doc_number == "鲁政办字〔2025〕8号" and len(ex.text) > 300
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        _get(url, **{"If-None-Match": etag})
    assert not_modified.value.code == 304
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(site.origin + "/xxgk/zcwj/index_9.html")
    assert missing.value.code == 404
    assert site.requests == 3 and site.bytes_sent > len(body)
