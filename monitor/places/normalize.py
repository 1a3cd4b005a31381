"""Text normalisation for matching Vietnamese place names in press text.

Every string the matcher compares — gazetteer names, configured localities, article text —
goes through the same `normalize` (or `fold`, its unaccented form), so the rules only have
to be deterministic, not linguistically perfect.

Tone-mark placement: sources disagree on where the tone mark sits in open syllables with
the vowel pairs oa, oe, uy ("hoà"/"hòa", "thuỷ"/"thủy", "khoẻ"/"khỏe"). We use the
placement of the official 2025 unit lists: in an open syllable of two vowels the mark sits
on the FIRST vowel (hòa, thủy, khỏe, hóa, mía, múa); with a final consonant it sits on the
last vowel (hoàng, thuyết); a vowel carrying a quality mark (ă â ê ô ơ ư) always takes it,
the last one when there are two (người); of three unmarked vowels the middle one takes it
(ngoài, khuỷu). "qu" and "gi" before another vowel are onsets, so "qùy" becomes "quỳ" and
"gìa" becomes "già". Words that do not look like one Vietnamese syllable with one tone mark
are left alone.

The `*_with_offsets` variants also return, for every output character, the index of the
original character it came from, plus a final sentinel equal to ``len(text)``: a match at
``[i, j)`` of the normalised text is ``text[offsets[i]:offsets[j]]`` in the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "fold",
    "fold_with_offsets",
    "normalize",
    "normalize_with_offsets",
    "place_tones",
]

_BASE_VOWELS = "aăâeêioôơuưy"
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, ` ´ ? ~ .
_QUALITY_VOWELS = frozenset("ăâêôơư")

# (lowercase vowel with tone) -> (base vowel, tone index) and back.
_SPLIT: dict[str, tuple[str, int]] = {}
_JOIN: dict[tuple[str, int], str] = {}
for _base in _BASE_VOWELS:
    for _tone, _mark in enumerate(_TONE_MARKS):
        _ch = unicodedata.normalize("NFC", _base + _mark)
        _SPLIT[_ch] = (_base, _tone)
        _JOIN[(_base, _tone)] = _ch

_ALL_VOWELS = "".join(_SPLIT)
_TONED_VOWELS = "".join(ch for ch, (_b, t) in _SPLIT.items() if t)
_LETTERS = "a-zđ" + _ALL_VOWELS

# A word in which a toned vowel touches another vowel: the only words whose tone
# placement can differ between sources. Greedy letter runs take in the whole word.
_TONE_CANDIDATE_RE = re.compile(
    rf"[{_LETTERS}]*(?:[{_TONED_VOWELS}][{_ALL_VOWELS}]|[{_ALL_VOWELS}][{_TONED_VOWELS}])"
    rf"[{_LETTERS}]*"
)
_ANY_CASE_TONE_CANDIDATE_RE = re.compile(_TONE_CANDIDATE_RE.pattern, re.IGNORECASE)

# Word characters are letters and digits (underscore counts as punctuation); a stray
# combining mark stays with its word.
_WORD_RE = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")
_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=65536)
def _canonical_syllable(word: str) -> str:
    """Return lowercase `word` with its single tone mark on the canonical vowel."""
    parts = [_SPLIT.get(ch, (ch, 0)) for ch in word]
    tones = [t for _b, t in parts if t]
    if len(tones) != 1:
        return word
    bases = [b for b, _t in parts]
    is_vowel = [b in _BASE_VOWELS for b in bases]
    start = 0
    while start < len(bases) and not is_vowel[start]:
        start += 1
    # "qu" and "gi" followed by another vowel are onsets, not part of the nucleus.
    if (
        start + 1 < len(bases)
        and is_vowel[start + 1]
        and (
            (bases[start] == "u" and start > 0 and bases[start - 1] == "q")
            or (bases[start] == "i" and start > 0 and bases[start - 1] == "g")
        )
    ):
        start += 1
    end = start
    while end < len(bases) and is_vowel[end]:
        end += 1
    if end == start or any(is_vowel[end:]):
        return word  # no vowel, or more than one vowel group: not a single syllable
    cluster = range(start, end)
    marked = [i for i in cluster if bases[i] in _QUALITY_VOWELS]
    if marked:
        pos = marked[-1]
    elif end < len(bases):
        pos = end - 1  # closed syllable: hoàng, thuyết
    elif end - start == 3:
        pos = start + 1  # ngoài, khuỷu
    else:
        pos = start  # open syllable: hòa, thủy, mía
    tone = tones[0]
    return "".join(
        _JOIN[(b, tone)] if i == pos else _JOIN.get((b, 0), b) for i, b in enumerate(bases)
    )


def _fix_tones(match: re.Match[str]) -> str:
    return _canonical_syllable(match.group())


def _fix_tones_keep_case(match: re.Match[str]) -> str:
    word = match.group()
    fixed = _canonical_syllable(word.lower())
    if len(fixed) != len(word):
        return word
    return "".join(f.upper() if o.isupper() else f for f, o in zip(fixed, word, strict=True))


def place_tones(text: str) -> str:
    """Return NFC `text` with canonical tone placement, keeping case ("Thuỷ" -> "Thủy").

    Used for display names (gazetteer entries) where `normalize` would lose the case.
    """
    return _ANY_CASE_TONE_CANDIDATE_RE.sub(_fix_tones_keep_case, unicodedata.normalize("NFC", text))


def _compose(text: str) -> tuple[str, list[int] | None]:
    """NFC-compose `text`; offsets are None when the text was already NFC (identity)."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        composed = unicodedata.normalize("NFC", text[i:j])
        out.append(composed)
        offsets.extend([i] * len(composed))
        i = j
    return "".join(out), offsets


def _casefold(text: str, offsets: list[int] | None) -> tuple[str, list[int] | None]:
    folded = text.casefold()
    if len(folded) == len(text):
        return folded, offsets  # every character folded to exactly one (the usual case)
    out: list[str] = []
    new_offsets: list[int] = []
    for i, ch in enumerate(text):
        f = ch.casefold()
        out.append(f)
        new_offsets.extend([i if offsets is None else offsets[i]] * len(f))
    return "".join(out), new_offsets


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalise `text` and map each output character back to its source index.

    NFC, casefold, canonical tone placement, punctuation and whitespace runs folded to one
    space, no leading/trailing space. The offsets list has one entry per output character
    plus a final ``len(text)``.
    """
    s, base = _compose(text)
    s, base = _casefold(s, base)
    # Tone moves only exchange marks between letters of one word: lengths are unchanged.
    s = _TONE_CANDIDATE_RE.sub(_fix_tones, s)
    words: list[str] = []
    offsets: list[int] = []
    prev_end = 0
    for m in _WORD_RE.finditer(s):
        start, end = m.span()
        if words:
            offsets.append(prev_end)  # the folded separator points at its first character
        words.append(m.group())
        offsets.extend(range(start, end))
        prev_end = end
    if base is not None:
        offsets = [base[i] for i in offsets]
    offsets.append(len(text))
    return " ".join(words), offsets


def normalize(text: str) -> str:
    """Return the matching form of `text` (see the module docstring for the rules)."""
    s = unicodedata.normalize("NFC", text).casefold()
    s = _TONE_CANDIDATE_RE.sub(_fix_tones, s)
    return " ".join(_WORD_RE.findall(s))


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in range(0xC0, 0x2000):
        ch = chr(cp)
        stripped = _COMBINING_RE.sub("", unicodedata.normalize("NFD", ch))
        if len(stripped) == 1 and stripped != ch:
            table[cp] = stripped
    return table


_FOLD_TABLE = _build_fold_table()


def _strip_marks(s: str, offsets: list[int]) -> tuple[str, list[int]]:
    s = s.translate(_FOLD_TABLE)  # one character for one: offsets unchanged
    if _COMBINING_RE.search(s) is None:
        return s, offsets
    # Marks that no precomposed letter absorbed: drop them and their offsets.
    keep = [i for i, ch in enumerate(s) if _COMBINING_RE.match(ch) is None]
    return "".join(s[i] for i in keep), [offsets[i] for i in keep] + [offsets[-1]]


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Like `normalize_with_offsets`, then diacritics removed (đ -> d)."""
    return _strip_marks(*normalize_with_offsets(text))


def fold(text: str) -> str:
    """Return the unaccented matching form: `normalize` then diacritics removed (đ -> d)."""
    s = normalize(text).translate(_FOLD_TABLE)
    if _COMBINING_RE.search(s) is not None:
        s = _COMBINING_RE.sub("", s)
    return s
