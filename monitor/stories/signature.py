"""MinHash signatures of press items, for grouping near-duplicates into stories.

(Draft: figures to be filled in from bench/stories.py.)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from datasketch import MinHash

from monitor.places.normalize import fold

__all__ = [
    "BANDS",
    "LEAD_WORDS",
    "NUM_PERM",
    "ROWS",
    "SHINGLE_WORDS",
    "THRESHOLD",
    "Signature",
    "band_keys",
    "same_story",
    "shingles",
    "signature",
    "similarity",
]

SHINGLE_WORDS = 3
LEAD_WORDS = 60
NUM_PERM = 128
BANDS = 32
ROWS = 4
THRESHOLD = 0.5
SEED = 1
HEADER_BYTES = 0
_SCHEME = "affine32"
_EMPTY_VALUE = 0xFFFFFFFF

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>|<[a-zA-Z/][^<>]*$")
_LEADING_CREDIT = re.compile(r"^\s*(?:\([^()\n]{1,30}\)|[A-ZĐ]{2}[\w.]{0,13})\s*[-–—]\s*")
_TRAILING_CREDIT = re.compile(
    r"(?:^|(?<=[.!?…”\"])|\n)\s*\(?\s*(?:theo|nguồn)\s*:?\s+[^\n().]{1,40}\)?\s*\.?\s*$",
    re.IGNORECASE,
)


def _clean(text: str) -> str:
    text = _TAG.sub(" ", text)
    return _URL.sub(" ", text)


def _words(title: str, text: str, lead_words: int | None) -> list[str]:
    title_words = fold(_clean(title)).split()
    body = _TRAILING_CREDIT.sub("", _LEADING_CREDIT.sub("", _clean(text)))
    body_words = fold(body).split()
    if title_words and body_words[: len(title_words)] == title_words:
        body_words = body_words[len(title_words) :]
    if lead_words is not None:
        body_words = body_words[:lead_words]
    return title_words + body_words


def shingles(
    title: str, text: str, k: int = SHINGLE_WORDS, *, lead_words: int | None = LEAD_WORDS
) -> set[bytes]:
    words = _words(title, text, lead_words)
    if len(words) <= k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


@cache
def _permutations() -> Any:
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME).permutations


@dataclass(frozen=True)
class Signature:
    values: bytes

    def to_bytes(self) -> bytes:
        return self.values

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        return cls(bytes(data))

    @property
    def empty(self) -> bool:
        return self.values == _EMPTY


_EMPTY = np.full(NUM_PERM, _EMPTY_VALUE, dtype="<u4").tobytes()


def minhash_values(items: set[bytes]) -> bytes:
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_permutations(), scheme=_SCHEME)
    m.update_batch(items)
    return bytes(np.asarray(m.digest(), dtype="<u4").tobytes())


def signature(title: str, text: str) -> Signature:
    return Signature(minhash_values(shingles(title, text)))


def similarity(a: Signature, b: Signature) -> float:
    if a.empty or b.empty:
        return 0.0
    va = np.frombuffer(a.values, dtype="<u4")
    vb = np.frombuffer(b.values, dtype="<u4")
    return float(np.count_nonzero(va == vb)) / NUM_PERM


def band_keys(sig: Signature) -> list[tuple[int, str]]:
    if sig.empty:
        return []
    width = ROWS * 4
    return [
        (
            band,
            hashlib.blake2b(
                sig.values[band * width : (band + 1) * width], digest_size=8
            ).hexdigest(),
        )
        for band in range(BANDS)
    ]


def same_story(a: Signature, b: Signature) -> bool:
    return similarity(a, b) >= THRESHOLD
