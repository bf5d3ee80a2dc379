"""Raw bytes (+ HTTP ``Content-Type``) -> text, with the codec used and the reason.

Order of signals: a byte-order mark wins over everything (it is unambiguous), then the HTTP
charset, then ``<meta charset>`` / ``http-equiv`` in the first 4 KB, then statistical detection
(charset-normalizer), then UTF-8 with a GB18030 fallback.

A declared charset is *checked*, not trusted: when strict decoding with it fails, or the result
looks like mojibake (U+FFFD, UTF-8-read-as-GBK sequences such as 锟斤拷/鈥/銆, NULs of UTF-16,
Latin-1 soup), the other candidates are tried and the reason records ``"<source>:<label> wrong"``.
Any GB2312/GBK label is decoded as ``gb18030`` (the WHATWG mapping). ``errors="replace"`` is only
the last resort, and every U+FFFD it introduces is counted in :attr:`Decoded.replacements`.
"""

from __future__ import annotations

import codecs
import re
import threading

from charset_normalizer import from_bytes

from processing.types import Decoded

_META_WINDOW = 4096
_DETECT_WINDOW = 64 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb2312-80": "gb18030",
    "csgb2312": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "chinese": "gb18030",
    "iso-ir-58": "gb18030",
    "x-euc-cn": "gb18030",
    "euc-cn": "gb18030",
    "gb18030": "gb18030",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode": "utf-16",
    "unicode-1-1-utf-8": "utf-8",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}

# The Python codecs behind the WHATWG Encoding Standard's labels (what browsers accept), UTF-32 (BOM only)
_WEB_CODECS = frozenset(
    {
        "utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "gb18030", "big5", "big5hkscs",
        "shift_jis", "cp932", "euc_jp", "iso2022_jp", "euc_kr", "cp949", "cp866", "cp874", "koi8-r", "koi8-u",
        "mac-cyrillic", "mac-roman", *(f"cp{n}" for n in range(1250, 1259)),
        *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
    }
)  # fmt: skip

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_HEADER_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_META_TAG_RE = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_XML_DECL_RE = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)

# Sequences produced by reading UTF-8 bytes as GBK (锟斤拷 is U+FFFD U+FFFD read as GBK).
_MOJIBAKE_MARKERS = ("锟斤拷", "鈥", "銆", "锛", "涓", "鐨", "鍙", "鏄", "浜", "鍦")
_LATIN_SOUP_RE = re.compile("[\u0080-\u009f\u00a1-\u00ff\u0152-\u0178\u2018-\u203a]{2,}")
_RARE_MIN_CHARS = 100
_RARE_MAX_COMMON = 0.4
_SINGLE_BYTE = frozenset({"cp1252", "latin-1", "iso8859-1"})


def normalize_label(label: str) -> str | None:
    """Map a charset label to a Python codec name (GB2312/GBK -> ``gb18030``); ``None`` if unknown
    or not a web text encoding (a page naming ``utf-7``, ``undefined`` or ``unicode-escape`` must
    not pick Python codecs that raise or produce lone surrogates)."""
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    codec = _ALIASES.get(codec, codec)
    return codec if codec in _WEB_CODECS else None


def _bom(body: bytes) -> tuple[str, int] | None:
    for mark, codec in _BOMS:
        if body.startswith(mark):
            return codec, len(mark)
    return None


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET_RE.search(content_type)
    return match.group(1) if match else None


def _meta_charset(body: bytes) -> str | None:
    head = body[:_META_WINDOW]
    xml = _XML_DECL_RE.search(head)
    if xml:
        return xml.group(1).decode("ascii", "replace")
    for tag in _META_TAG_RE.finditer(head):
        match = _CHARSET_RE.search(tag.group(0))
        if match:
            return match.group(1).decode("ascii", "replace")
    return None


def _sniff_utf16(body: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII markup leaves every other byte NUL."""
    sample = body[:2000]
    if len(sample) < 16:
        return None
    even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nul > 0.6 and even_nul < 0.1:
        return "utf-16-le"
    if even_nul > 0.6 and odd_nul < 0.1:
        return "utf-16-be"
    return None


def looks_garbled(text: str, codec: str, literal_fffd: int = 0) -> bool:
    """True when ``text`` shows typical signs of having been decoded with the wrong codec.

    ``literal_fffd`` is the number of U+FFFD characters genuinely present in the source
    (UTF-8 ``EF BF BD`` sequences), which are not decoding errors.
    """
    if text.count("\ufffd") > literal_fffd:
        return True
    sample = text[:200_000]
    if sample and sample.count("\x00") / len(sample) > 0.01:
        return True
    if codec == "gb18030":
        hits = sum(sample.count(marker) for marker in _MOJIBAKE_MARKERS)
        if "锟斤拷" in sample or hits >= 3 or _mostly_rare(sample):
            return True
    if codec in _SINGLE_BYTE:
        return len(_LATIN_SOUP_RE.findall(sample)) >= 3
    return False


def _mostly_rare(text: str) -> bool:
    """Lots of rare characters: Big5 or UTF-8 bytes read as GBK give mostly uncommon hanzi."""
    non_ascii = sum(1 for char in text[:20_000] if ord(char) > 127)
    return non_ascii >= _RARE_MIN_CHARS and common_hanzi_ratio(text) < _RARE_MAX_COMMON


def _try(body: bytes, codec: str) -> str | None:
    """Strict decode, or ``None`` when it fails or looks garbled."""
    try:
        text = body.decode(codec)
    except (UnicodeError, LookupError):
        return None
    literal = body.count(b"\xef\xbf\xbd") if codec == "utf-8" else 0
    return None if looks_garbled(text, codec, literal) else text


def _is_valid_utf8_with_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(body: bytes) -> str | None:
    try:
        best = from_bytes(body[:_DETECT_WINDOW]).best()
    except Exception:  # charset-normalizer must never break decoding
        return None
    if best is None or not best.encoding:
        return None
    return normalize_label(best.encoding)


def _undeclared(body: bytes) -> Decoded:
    """No usable declaration: UTF-8 if valid, else detection, else GB18030, else replace."""
    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "fallback:utf-8" if not body.isascii() else "fallback:ascii")
    sniffed = _sniff_utf16(body)
    if sniffed and (text := _try(body, sniffed)) is not None:
        return Decoded(text, sniffed, f"detected:{sniffed}")
    detected = _detect(body)
    detected_text = _try(body, detected) if detected else None
    gb_text = _try(body, "gb18030") if detected != "gb18030" else None
    if detected and detected_text is not None and not _gb_more_plausible(gb_text, detected_text):
        return Decoded(detected_text, detected, f"detected:{detected}")
    if gb_text is not None:
        return Decoded(gb_text, "gb18030", "fallback:gb18030")
    mixed = _utf8_with_gb_runs(body)
    if mixed is not None:  # a UTF-8 page with paragraphs pasted in from a GBK page
        return Decoded(mixed, "utf-8", "mixed:utf-8+gb18030")
    try:  # strict GB18030 without the plausibility checks still beats replacement characters
        return Decoded(body.decode("gb18030"), "gb18030", "fallback:gb18030")
    except UnicodeDecodeError:
        return _replace(body, detected or "utf-8", "fallback")


def _utf8_with_gb_runs(body: bytes) -> str | None:
    """``body`` read as UTF-8 whose invalid stretches are GB18030 text; ``None`` unless every such
    stretch (up to the next ASCII byte) decodes strictly as GB18030 into everyday Chinese.
    One pass: the stretches are decoded by a codec error handler."""
    _RUNS.found = []
    try:
        text = body.decode("utf-8", _GB_RUNS_HANDLER)
    except UnicodeDecodeError:  # a stretch that is not GB18030 either
        return None
    runs: list[str] = _RUNS.found
    if not runs or common_hanzi_ratio("".join(runs)) < 0.5:
        return None
    return text


_RUNS = threading.local()
_GB_RUNS_HANDLER = "policywatch-gb18030-runs"


def _gb18030_run(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode the stretch from the error up to the next ASCII byte as GB18030
    (raising UnicodeDecodeError when it is not)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    data, end = exc.object, exc.start
    while end < len(data) and data[end] >= 0x80:
        end += 1
    run = bytes(data[exc.start : end]).decode("gb18030")
    _RUNS.found.append(run)
    return run, end


codecs.register_error(_GB_RUNS_HANDLER, _gb18030_run)


def _gb_more_plausible(gb_text: str | None, detected_text: str) -> bool:
    """True when the GB18030 reading is clearly everyday Chinese and the detected one is not."""
    if gb_text is None:
        return False
    return common_hanzi_ratio(gb_text) > max(0.5, common_hanzi_ratio(detected_text))


def common_hanzi_ratio(text: str, limit: int = 4000) -> float:
    """Share of non-ASCII characters that are everyday Chinese (GB2312 level 1 or CJK punctuation).

    Short GBK pages are often mis-detected as Big5, CP949 or Shift-JIS; the wrong decode is made
    of rare characters, the right one of common ones.
    """
    total = common = 0
    for char in text:
        if ord(char) < 128:
            continue
        total += 1
        try:
            lead = char.encode("gb2312")[0]
        except UnicodeEncodeError:
            lead = 0
        if 0xB0 <= lead <= 0xD7 or lead in (0xA1, 0xA3):
            common += 1
        if total >= limit:
            break
    return common / total if total else 0.0


def _replace(body: bytes, codec: str, reason: str) -> Decoded:
    """Last resort: decode with U+FFFD replacements and count them."""
    try:
        text = body.decode(codec, errors="replace")
    except LookupError:
        codec = "utf-8"
        text = body.decode(codec, errors="replace")
    before = body.count(b"\xef\xbf\xbd") if codec == "utf-8" else 0
    replacements = max(0, text.count("\ufffd") - before)
    return Decoded(text, codec, f"{reason}:{codec}+replaced", replacements)


def _declared(body: bytes, content_type: str | None) -> list[tuple[str, str, str | None]]:
    """The declared charsets as ``(source, label as printed, codec or None)``."""
    found: list[tuple[str, str, str | None]] = []
    header = _header_charset(content_type)
    if header:
        found.append(("http-header", header.lower(), normalize_label(header)))
    meta = _meta_charset(body)
    if meta:
        found.append(("meta", meta.lower(), normalize_label(meta)))
    return found


def _with_declarations(body: bytes, declared: list[tuple[str, str, str | None]]) -> Decoded:
    rejected: list[str] = []
    for source, label, codec in declared:
        if codec is None:
            rejected.append(f"{source}:{label} unknown")
            continue
        if codec == "utf-16":
            codec = _sniff_utf16(body) or ""
            if not codec:
                rejected.append(f"{source}:{label} wrong")
                continue
        if codec != "utf-8" and _is_valid_utf8_with_non_ascii(body):
            rejected.append(f"{source}:{label} wrong")
            continue
        text = _try(body, codec)
        if text is not None:
            prefix = "; ".join(rejected)
            reason = f"{source}:{codec}" if not prefix else f"{prefix}; {source}:{codec}"
            return Decoded(text, codec, reason)
        rejected.append(f"{source}:{label} wrong")
    fallback = _undeclared(body)
    return Decoded(fallback.text, fallback.encoding, "; ".join([*rejected, fallback.reason]), fallback.replacements)


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML response body: BOM, HTTP charset, meta charset, detection, UTF-8/GB18030."""
    if not body:
        return Decoded("", "utf-8", "empty")
    bom = _bom(body)
    if bom is not None:
        return _decode_after_bom(body, *bom)
    declared = _declared(body, content_type)
    if declared:
        return _with_declarations(body, declared)
    return _undeclared(body)


def _decode_after_bom(body: bytes, codec: str, skip: int) -> Decoded:
    payload = body[skip:]
    try:
        return Decoded(payload.decode(codec), codec, f"bom:{codec}")
    except UnicodeDecodeError:
        return _replace(payload, codec, "bom")


def decode_text_bytes(body: bytes) -> Decoded:
    """Decode a plain-text file (no markup): BOM, UTF-8, detection, GB18030, then replacement."""
    if not body:
        return Decoded("", "utf-8", "empty")
    bom = _bom(body)
    if bom is not None:
        return _decode_after_bom(body, *bom)
    return _undeclared(body)
