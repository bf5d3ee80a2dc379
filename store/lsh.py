"""Locality-sensitive hashing over stored MinHash signatures: the index behind reprint lookups.

A signature (``version.sketch``: 128 little-endian uint64 MinHash values) is cut into
``BANDS`` bands of ``ROWS`` values; each band hashes to one 64-bit key stored in
``sketch_band`` with an index. Two texts whose signatures agree on every value of at least
one band share a key, so candidate reprints are found by an index lookup instead of a scan
of every document. With 42 bands of 3 rows, a pair of Jaccard similarity 0.5 (the reprint
threshold) becomes a candidate with probability 1 − (1 − 0.5³)⁴² ≈ 0.996, a pair at 0.3 with
≈ 0.68 and an unrelated pair at 0.05 with ≈ 0.005; candidates are then scored on the full
signature, so a stray candidate costs one comparison and never a false link.
"""

from __future__ import annotations

import hashlib

BANDS = 42
ROWS = 3
_VALUE_BYTES = 8


def band_keys(sketch: bytes) -> list[int]:
    """The signed 64-bit LSH keys of a signature, one per band (the band index is hashed in)."""
    width = ROWS * _VALUE_BYTES
    keys = []
    for band in range(min(BANDS, len(sketch) // width)):
        chunk = sketch[band * width : (band + 1) * width]
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys
