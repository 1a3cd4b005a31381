"""Encode Vietnamese text the way Windows-1258 sites do, to build wrong-charset fixtures.

Python's ``cp1258`` codec only maps single code points, while Windows writes most toned vowels as
a base letter (perhaps with its circumflex, breve or horn) plus a combining tone mark; this does
the same decomposition.
"""

from __future__ import annotations

import unicodedata
from itertools import combinations


def _encode_char(char: str) -> bytes:
    try:
        return char.encode("cp1258")
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    # Leave as few marks as possible outside the base letter: "ệ" -> "ê" + dot below.
    for count in range(1, len(marks) + 1):
        for separate in combinations(range(len(marks)), count):
            kept = "".join(m for i, m in enumerate(marks) if i not in separate)
            loose = "".join(marks[i] for i in separate)
            try:
                return (unicodedata.normalize("NFC", base + kept) + loose).encode("cp1258")
            except UnicodeEncodeError:
                continue
    raise UnicodeEncodeError("cp1258", char, 0, 1, "not representable in Windows-1258")


def encode_cp1258(text: str) -> bytes:
    """Return ``text`` in Windows-1258, splitting toned letters into letter + tone mark."""
    return b"".join(_encode_char(char) for char in unicodedata.normalize("NFC", text))
