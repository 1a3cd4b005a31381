"""MinHash signatures of press items, for grouping near-duplicates into stories.

A story is one report as it travels: the same item re-published by another outlet with a
changed title, as a teaser, without diacritics, with "(TTXVN) -" or "Theo TTXVN" added, with a
paragraph more or less. Two items are the same story when their word shingles overlap enough.

What is hashed: the title and the first `LEAD_WORDS` words of the body, after removing HTML
remnants, URLs, a leading credit ("(Chinhphu.vn) - ", "VOV.VN - "), a trailing one ("Theo
TTXVN", "Nguồn: ...") and the title when the body repeats it, then normalised with the
project's `fold` (NFC, case folded, canonical tone marks, diacritics removed, punctuation
dropped), so an unaccented copy has the same words. Shingles are runs of `SHINGLE_WORDS` words;
a text shorter than that is one shingle. Only the lead is hashed because a teaser (title +
first paragraph) of a long article shares nearly all of the article's first words but few of
its last: over the whole text their Jaccard is about lead/length (0.1-0.2), over the lead it is
near 1. Syndication changes the end of a text (a paragraph appended, cut, credited) more often
than its start.

A `Signature` holds a MinHash of `NUM_PERM` permutations (datasketch, scheme "affine32", fixed
seed: the same text gives the same bytes in any process, on any day) and two title facts:

- a title key: a hash of the folded title when it has at least `TITLE_KEY_WORDS` words. Outlets
  often copy a headline and rewrite the lead (a ministry's news re-published by VTV), and then
  the shingles disagree; the same long headline the same day is the same story.
- the numbers of the title (dates, counts, instalments) as a 64-bit mask. Series such as "Chỉ
  đạo, điều hành của Chính phủ ... ngày 11/8/2026" repeat their lead word for word each day;
  titles whose numbers disagree (neither set contains the other) are different instalments.

`same_story(a, b)`: no conflicting title numbers, and MinHash similarity ≥ `THRESHOLD` or the
same title key. Signatures say nothing about time: compare items within a window, as series
and recurring headlines repeat over weeks (measured below for 2 and 7 days).

Candidates come from LSH bands: the hash values are cut into `BANDS` bands of `ROWS` values,
each band digested to a short hex key; two signatures of similarity s share at least one band
with probability P(s) = 1 - (1 - s^ROWS)^BANDS. With 40 x 3: P(0.2) = 0.28, P(0.3) = 0.67,
P(0.4) = 0.93, P(0.5) = 0.995, P(0.6) = 1.000. The title key is one more band, `TITLE_BAND`.
Store (band, key, item) rows, look up candidates by the new item's keys, confirm each with
`same_story` (similarity alone would drop the title-key matches).

Measured by bench/stories.py on real text: 14,444 RSS items (title + summary) of 17 outlets,
July-August 2026, and 1,865 full VNTC articles; 12,825 duplicate pairs (syndication re-renderings
and 325 real same-title copies), 30,238 hard non-duplicates (same day and province, nearest by
shared words, same first title words, same topic).

- Shingles of 4 words over the title and 45 lead words: of k = 3-5 and leads of 30, 45, 60, 90
  words or the whole text, near the best recall at <= 1% false positives per class (whole
  text 0.59, 45 words 0.91); 30 words scored 0.96 on the synthetic copies but, at its best
  threshold (0.55), grouped 40% fewer real pairs with different titles in the month (124/206).
- THRESHOLD 0.5: duplicates recall 97.4% (macro 97.9%), false positives 0.1% of same-day
  same-province pairs, 0.2% of same-title-prefix pairs, 1.4-1.6% of the nearest same-day
  pairs (some of them copies the data does not label); 0.6 loses syndicated copies (macro
  96.8%), 0.4 raises the worst false-positive rate to 2.1%.
- Teaser (title + first paragraph) vs the full article: Jaccard over the whole text median
  0.13, over title + lead 1.00 (p5 0.70); 99.6% judged the same story. Unaccented copies: 1.00.
- Real same-title copies at two outlets: similarity median 0.50, half below the threshold; all
  grouped by the title key.
- The month of items, +-2 days: 616 pairs grouped, 410 with one title; a sample of 40 of the
  others read as 31 copies, 7 a Sài Gòn Giải Phóng bulletin and its podcast, 2 instalments of a
  series. Title numbers refused 39 pairs, 37 of them instalments (daily government briefings,
  exchange rates, numbered communiqués).
- Over +-7 days same_story grouped 682 pairs, 14 of them series pairs (different titles, same
  outlet, different days); similarity >= THRESHOLD alone would have grouped 107 such pairs.
- LSH: every accepted pair shares a band (12,753 of 12,753; 489 of 489 pairs >= 0.5 in the
  month); 0.25 candidates per lookup in a 2-day window. 6,000-7,000 signatures per second on
  one core; 497 bytes each.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass
from functools import cache

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
    "TITLE_BAND",
    "TITLE_KEY_WORDS",
    "Signature",
    "band_keys",
    "minhash",
    "same_story",
    "shingles",
    "signature",
    "similarity",
]

SHINGLE_WORDS = 4
LEAD_WORDS = 45
NUM_PERM = 120
BANDS = 40
ROWS = 3
THRESHOLD = 0.5
TITLE_KEY_WORDS = 6
TITLE_BAND = BANDS  # band number of the title key, after the MinHash bands 0..BANDS-1

# Changing any of these changes every signature: stored ones would no longer compare.
_SEED = 1
_SCHEME = "affine32"
_VERSION = 1
_HEADER = struct.Struct("<B8sQ")  # version, title key, title numbers mask
_EMPTY = b"\xff" * (4 * NUM_PERM)  # MinHash of the empty set: every value at its maximum
_NO_TITLE_KEY = bytes(8)

_TAG = re.compile(r"<[^<>]*>|<[a-zA-Z/][^<>]*$")  # feeds cut summaries inside a tag
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TITLE_LABEL = re.compile(
    r"^\s*(?:\[[^\]]{1,30}\]|(?:video|clip|infographic|podcast|ảnh|photo|emagazine)\s*:)\s*",
    re.IGNORECASE,
)
# "(Dân trí) - ", "(Chinhphu.vn) - ", "VOV.VN - ", "TTO - ": an outlet's credit before the lead.
_LEADING_CREDIT = re.compile(r"^\s*(?:\([^()\n]{1,30}\)|[A-ZĐ]{2}[\w.]{0,13})\s*[-–—]\s*")
# "Theo TTXVN", "(Theo VnExpress)", "Nguồn: Báo Nhân Dân" closing the text, on its own line
# or after a sentence (a sentence ending "... theo kế hoạch." keeps its words).
_TRAILING_CREDIT = re.compile(
    r"(?:^|(?<=[.!?…”\"])|\n)\s*\(?\s*(?:theo|nguồn)\s*:?\s+[^\n().]{1,40}\)?\s*\.?\s*$",
    re.IGNORECASE,
)
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[.,](?=\d)")  # 1.863 / 1,7: one number each
_DIGITS = re.compile(r"\d+")


def _clean(text: str) -> str:
    return _URL.sub(" ", _TAG.sub(" ", text))


def _title_words(title: str) -> list[str]:
    return fold(_TITLE_LABEL.sub("", _clean(title))).split()


def _words(title: str, text: str, lead_words: int | None) -> list[str]:
    """The words hashed: the title, then the lead of the body (see the module docstring)."""
    title_words = _title_words(title)
    body = _TRAILING_CREDIT.sub("", _LEADING_CREDIT.sub("", _clean(text)))
    body_words = fold(body).split()
    # Google News and some portals repeat the title as the summary; that adds nothing.
    if title_words and body_words[: len(title_words)] == title_words:
        body_words = body_words[len(title_words) :]
    if lead_words is not None:
        body_words = body_words[:lead_words]
    return title_words + body_words


def shingles(
    title: str, text: str, k: int = SHINGLE_WORDS, *, lead_words: int | None = LEAD_WORDS
) -> set[bytes]:
    """Return the word k-shingles of the title and the lead of `text`, folded, as bytes.

    A text of k words or fewer (a short title alone) is one shingle; an empty one has none.
    `lead_words=None` hashes the whole body (bench/stories.py compares both).
    """
    words = _words(title, text, lead_words)
    if len(words) <= k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


@cache
def _permutations() -> object:
    # Drawn once from the fixed seed; building them per signature would triple the cost.
    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations


def minhash(items: set[bytes]) -> bytes:
    """Return the MinHash values of `items` as NUM_PERM little-endian uint32 (the empty set
    gives all 0xFFFFFFFF)."""
    m = MinHash(num_perm=NUM_PERM, seed=_SEED, permutations=_permutations(), scheme=_SCHEME)
    m.update_batch(items)
    return np.asarray(m.digest(), dtype="<u4").tobytes()


@dataclass(frozen=True)
class Signature:
    """A press item's MinHash and title facts; 17 + 4 x NUM_PERM bytes stored (`to_bytes`)."""

    hashvalues: bytes  # NUM_PERM little-endian uint32
    title_key: bytes = _NO_TITLE_KEY  # 8 bytes; zeros when the title is too short to trust
    title_numbers: int = 0  # bit (hash % 64) set for each number in the title

    @property
    def empty(self) -> bool:
        """True when nothing was left to hash (no title, no text)."""
        return self.hashvalues == _EMPTY

    def to_bytes(self) -> bytes:
        """Serialise for a database column (LargeBinary)."""
        return _HEADER.pack(_VERSION, self.title_key, self.title_numbers) + self.hashvalues

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> Signature:
        """Read what `to_bytes` wrote; ValueError on anything else."""
        data = bytes(data)
        if len(data) != _HEADER.size + 4 * NUM_PERM or data[0] != _VERSION:
            raise ValueError(
                f"not a version {_VERSION} story signature of {NUM_PERM} values "
                f"({len(data)} bytes, version byte {data[:1].hex() or 'missing'})"
            )
        _version, title_key, numbers = _HEADER.unpack_from(data)
        return cls(data[_HEADER.size :], title_key, numbers)


def _title_key(words: list[str]) -> bytes:
    if len(words) < TITLE_KEY_WORDS:
        return _NO_TITLE_KEY
    return hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()


def _title_numbers(title: str) -> int:
    mask = 0
    for digits in _DIGITS.findall(_DIGIT_SEPARATOR.sub("", title)):
        number = str(int(digits)).encode()  # "08" and "8" are one number
        mask |= 1 << (hashlib.blake2b(number, digest_size=1).digest()[0] % 64)
    return mask


def signature(title: str, text: str) -> Signature:
    """Return the signature of an item: its title and its body (summary or full text)."""
    return Signature(
        minhash(shingles(title, text)),
        _title_key(_title_words(title)),
        _title_numbers(title),
    )


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two items' shingles (0.0 if either is empty)."""
    if a.empty or b.empty:
        return 0.0
    equal = np.frombuffer(a.hashvalues, dtype="<u4") == np.frombuffer(b.hashvalues, dtype="<u4")
    return float(np.count_nonzero(equal)) / NUM_PERM


def _numbers_conflict(a: Signature, b: Signature) -> bool:
    both = a.title_numbers & b.title_numbers
    return both != a.title_numbers and both != b.title_numbers


def same_story(a: Signature, b: Signature, *, threshold: float = THRESHOLD) -> bool:
    """True when the two items are one story: similar enough, or one long title, and no
    disagreement between the numbers of their titles (`threshold` is for bench/stories.py)."""
    if _numbers_conflict(a, b):
        return False
    if a.title_key != _NO_TITLE_KEY and a.title_key == b.title_key:
        return True
    return similarity(a, b) >= threshold


def band_keys(sig: Signature) -> list[tuple[int, str]]:
    """Return the (band, key) pairs to index and to look candidates up by.

    Bands 0..BANDS-1 are the MinHash bands (none for an empty signature: empty items would
    all collide); band TITLE_BAND carries the title key when there is one.
    """
    keys = []
    if not sig.empty:
        width = 4 * ROWS
        for band in range(BANDS):
            chunk = sig.hashvalues[band * width : (band + 1) * width]
            keys.append((band, hashlib.blake2b(chunk, digest_size=8).hexdigest()))
    if sig.title_key != _NO_TITLE_KEY:
        keys.append((TITLE_BAND, sig.title_key.hex()))
    return keys
