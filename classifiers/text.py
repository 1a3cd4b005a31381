"""Text as the classifiers see it: one normalisation for training, prediction, rules and
explanations, so a term found in a model can be pointed at in the text as given.

Press and posts write the same word many ways: NFC or NFD, "hoà" or "hòa", with or without
diacritics, in teencode ("ko", "dc", "j"). Each token is normalised (NFC, case folded, tone
marks placed canonically), expanded when it is common teencode, and given in two forms:
accented, and folded to plain letters so that unaccented text meets the same features.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.places.normalize import fold, normalize_with_offsets

_TOKEN = re.compile(r"\w+")

# Common teencode and chat abbreviations, as normalised (lower-case) tokens. Only forms that
# are not also unaccented words: "ca" may be "cá" (tàu ca = tàu cá), so it stays.
TEENCODE: dict[str, str] = {
    "ko": "không",
    "k": "không",
    "kh": "không",
    "hok": "không",
    "khum": "không",
    "kg": "không",
    "khg": "không",
    "dc": "được",
    "đc": "được",
    "dk": "được",
    "đk": "được",
    "j": "gì",
    "wa": "qua",
    "bik": "biết",
    "bít": "biết",
    "mn": "mọi người",
    "mng": "mọi người",
    "ae": "anh em",
    "vs": "với",
    "nhìu": "nhiều",
    "ng": "người",
    "ngta": "người ta",
    "r": "rồi",
    "rùi": "rồi",
    "cx": "cũng",
    "cũg": "cũng",
    "z": "vậy",
    "zậy": "vậy",
    "thui": "thôi",
    "ms": "mới",
    "trc": "trước",
    "bn": "bao nhiêu",
    "tq": "trung quốc",
    "vn": "việt nam",
    "csgt": "cảnh sát giao thông",
    "ubnd": "ủy ban nhân dân",
}


@dataclass(frozen=True)
class Token:
    text: str  # normalised, teencode expanded (may hold a space: "mọi người")
    folded: str
    start: int  # span in the input as given
    end: int


def tokens(text: str) -> list[Token]:
    """The words of ``text``, normalised, with their spans in ``text`` as given."""
    norm, offsets = normalize_with_offsets(text)
    result = []
    for match in _TOKEN.finditer(norm):
        word = TEENCODE.get(match.group(0), match.group(0))
        start = offsets[match.start()]
        end = offsets[match.end() - 1] + 1
        while end < len(text) and _is_mark(text[end]):
            end += 1  # NFD: a letter's marks belong to it
        result.append(Token(word, fold(word), start, end))
    return result


def _is_mark(ch: str) -> bool:
    return "\u0300" <= ch <= "\u036f"


@dataclass(frozen=True)
class Views:
    """The two strings the feature extractors read."""

    accented: str
    folded: str


def views(text: str) -> Views:
    words = tokens(text)
    return Views(" ".join(t.text for t in words), " ".join(t.folded for t in words))


def item_text(title: str | None, text: str | None) -> str:
    """Title and body as one text, joined by a newline (offsets index this string)."""
    return "\n".join(part for part in (title or "", text or "") if part)
