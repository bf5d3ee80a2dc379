"""Near-duplicate detection for reprints (转发): MinHash over shingles of jieba tokens (datasketch).

A local government that 转发 a national document republishes its text with a short cover
note; the MinHash signatures of the two texts agree on most positions, unrelated documents on
almost none. Signatures are stored with each version, so comparing costs no re-segmentation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 3
REPRINT_THRESHOLD = 0.5
_SEED = 20260302


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
    mh = MinHash(num_perm=NUM_PERM, seed=_SEED)
    mh.update_batch(list(grams))
    return bytes(mh.hashvalues.astype("<u8").tobytes())


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    va = np.frombuffer(a, dtype="<u8")
    vb = np.frombuffer(b, dtype="<u8")
    if va.shape != vb.shape:
        return 0.0
    return float(np.count_nonzero(va == vb)) / len(va)
