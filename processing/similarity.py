"""Near-duplicate detection for reprints (转发): MinHash over shingles of jieba tokens.

A local government that 转发 a national document republishes its text with a short cover
note; the MinHash signatures of the two texts agree on most positions, unrelated documents on
almost none. Signatures are stored with each version, so comparing costs no re-segmentation.

The MinHash is datasketch 2's default ``affine32`` scheme, bit for bit (SHA-1 32-bit hashes of
the shingles, the MurmurHash3 finalizer, 128 odd-multiplier affine permutations mod 2³² from
``RandomState(seed)``), written out here so the crawler does not import datasketch and SciPy
(half a second per crawl process) and stored sketches never depend on a library's default;
``tests/processing/test_similarity.py`` checks the equality against datasketch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

NUM_PERM = 128
SHINGLE = 3
REPRINT_THRESHOLD = 0.5
_SEED = 20260302
_U32 = np.uint32
_FMIX = (_U32(16), _U32(0x85EBCA6B), _U32(13), _U32(0xC2B2AE35), _U32(16))


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=_U32)
    return a, b


_A, _B = _permutations(NUM_PERM, _SEED)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def shingles(tokens: Sequence[str], k: int = SHINGLE) -> set[bytes]:
    """Overlapping k-token shingles (a text shorter than k tokens is one shingle)."""
    words = [t for t in tokens if t.strip()]
    if len(words) < k:
        return {"\x1f".join(words).encode()} if words else set()
    return {"\x1f".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


def signature(tokens: Sequence[str]) -> bytes | None:
    """The MinHash signature of a token sequence as bytes (None for an empty text)."""
    grams = shingles(tokens)
    if not grams:
        return None
    hv = np.fromiter(
        (int.from_bytes(hashlib.sha1(g).digest()[:4], "little") for g in grams),  # noqa: S324 - a hash, not security
        dtype=_U32,
        count=len(grams),
    ).reshape(-1, 1)
    values = (_fmix32(hv) * _A + _B).min(axis=0)
    return bytes(values.astype("<u8").tobytes())


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    va = np.frombuffer(a, dtype="<u8")
    vb = np.frombuffer(b, dtype="<u8")
    if va.shape != vb.shape:
        return 0.0
    return float(np.count_nonzero(va == vb)) / len(va)
