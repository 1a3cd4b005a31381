"""The gazetteer: Vietnamese administrative units of both eras and the old→new mapping.

Since 1 July 2025 Vietnam has 34 provinces and 3,321 communes (xã, phường, đặc khu) and
no district level; the press still writes the former 63 provinces, ~700 districts and
~10,000 communes. Both eras are loaded, each former unit pointing at the current units
that replaced it, so a story about "huyện Tam Đường" can reach whoever watches its
successors. Data: monitor/places/data/gazetteer.json.gz, built by
`monitor.places.build_gazetteer` from the `vietnamadminunits` package (docs/places.md).
"""

from __future__ import annotations

import difflib
import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from monitor.places.normalize import fold, normalize

__all__ = [
    "ENGLISH_TYPES",
    "OLD_SPELLINGS",
    "UNIT_WORDS",
    "Era",
    "Gazetteer",
    "Level",
    "Unit",
    "load_gazetteer",
]

Level = Literal["province", "district", "commune"]
Era = Literal["current", "former"]

DATA_FILE = Path(__file__).parent / "data" / "gazetteer.json.gz"

# Unit words as the press writes them, with their abbreviations ("TP. Huế", "H. Tam Đường").
# "T." is ambiguous in running text; matchers should only trust it right before a province.
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "tỉnh": ("T.",),
    "thành phố": ("TP.", "Tp.", "TP", "Tp", "T.P."),
    "huyện": ("H.",),
    "quận": ("Q.",),
    "thị xã": ("TX.", "Tx.", "TX"),
    "xã": ("X.",),
    "phường": ("P.",),
    "thị trấn": ("TT.", "Tt.", "TT"),
    "đặc khu": ("ĐK.",),
}

ENGLISH_TYPES: dict[str, str] = {
    "tỉnh": "province",
    "thành phố": "city",
    "huyện": "district",
    "quận": "district",
    "thị xã": "town",
    "xã": "commune",
    "phường": "ward",
    "thị trấn": "township",
    "đặc khu": "special zone",
}

# Historical or informal spellings of names -> the official name. Keys and values are
# display forms; look-ups go through `fold`/`normalize`. Hà Tây (merged into Hà Nội in
# 2008) is not a unit of either era: it maps to Hà Nội so old references still land.
OLD_SPELLINGS: dict[str, str] = {
    "Bắc Cạn": "Bắc Kạn",
    "Đắc Lắc": "Đắk Lắk",
    "Đắk Lắc": "Đắk Lắk",
    "Đắc Lắk": "Đắk Lắk",
    "Đăk Lăk": "Đắk Lắk",
    "Daklak": "Đắk Lắk",
    "Đắc Nông": "Đắk Nông",
    "Đăk Nông": "Đắk Nông",
    "Daknong": "Đắk Nông",
    "Kontum": "Kon Tum",
    "Hà Tây": "Hà Nội",
    "Sài Gòn": "Hồ Chí Minh",
    "TP HCM": "Hồ Chí Minh",
    "TPHCM": "Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    # Thừa Thiên Huế became the centrally-run city of Huế on 1 January 2025.
    "Thừa Thiên Huế": "Huế",
    "Thừa Thiên - Huế": "Huế",
    "Bà Rịa Vũng Tàu": "Bà Rịa - Vũng Tàu",
}

_LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}


@dataclass(frozen=True)
class Unit:
    """One administrative unit of one era."""

    code: str  # "c:p:51" current province, "f:d:534" former district, "f:w:21460" ...
    name: str  # proper name without the unit word, NFC, canonical tone placement
    type: str  # unit word as officially written: "tỉnh", "thị xã", "phường", ...
    level: Level
    era: Era
    province: str | None  # code of the containing province (same era); None for a province
    district: str | None  # former communes: code of the containing district
    successors: tuple[str, ...]  # former units: the current units that replaced them

    @property
    def full_name(self) -> str:
        """Return the name with its unit word: "thị xã Đức Phổ"."""
        return f"{self.type} {self.name}"


def _strip_unit_word(text: str) -> tuple[str | None, str]:
    """Split a leading unit word or abbreviation off a normalised name."""
    for word, abbreviations in _UNIT_PREFIXES:
        for prefix in (word, *abbreviations):
            if text.startswith(prefix + " ") and len(text) > len(prefix) + 1:
                return word, text[len(prefix) + 1 :]
    return None, text


def _unit_prefixes() -> list[tuple[str, tuple[str, ...]]]:
    prefixes = []
    for word, abbreviations in UNIT_WORDS.items():
        forms = tuple(dict.fromkeys(normalize(a) for a in abbreviations))
        prefixes.append((normalize(word), forms))
    # Longest first, so "thị xã" wins over "xã".
    return sorted(prefixes, key=lambda item: -len(item[0]))


_UNIT_PREFIXES = _unit_prefixes()


class Gazetteer:
    """Units of both eras with look-ups by code, name, hierarchy and succession."""

    def __init__(self, units: list[Unit]) -> None:
        self.units: Mapping[str, Unit] = MappingProxyType({u.code: u for u in units})
        self._by_norm: dict[str, list[Unit]] = defaultdict(list)
        self._by_fold: dict[str, list[Unit]] = defaultdict(list)
        self._children: dict[str, list[Unit]] = defaultdict(list)
        self._predecessors: dict[str, list[Unit]] = defaultdict(list)
        for u in units:
            self._by_norm[normalize(u.name)].append(u)
            self._by_fold[fold(u.name)].append(u)
            parent = u.district or u.province
            if parent is not None:
                self._children[parent].append(u)
            for s in u.successors:
                self._predecessors[s].append(u)
        self._spellings = {fold(k): v for k, v in OLD_SPELLINGS.items()}

    def get(self, code: str) -> Unit:
        """Return the unit with this code (KeyError if unknown)."""
        return self.units[code]

    def named(self, name: str) -> list[Unit]:
        """Return the units of both eras whose bare name is `name`.

        An accented query matches its exact normalised form (so "Tân Hòa" does not find
        "Tân Hóa"), falling back to the unaccented form when nothing matches; an
        unaccented query ("duc pho") matches by the unaccented form.
        """
        norm = normalize(name)
        folded = fold(name)
        if norm != folded and norm in self._by_norm:
            return list(self._by_norm[norm])
        return list(self._by_fold.get(folded, ()))

    def provinces(self, era: Era | None = None) -> list[Unit]:
        """Return the provinces of one era, or of both when `era` is None."""
        return [u for u in self.units.values() if u.level == "province" and era in (None, u.era)]

    def children(self, code: str) -> list[Unit]:
        """Return the direct children: a province's districts (former) or communes."""
        unit = self.get(code)
        if unit.level == "province" and unit.era == "former":
            return [u for u in self._children[code] if u.level == "district"]
        return list(self._children[code])

    def descendants(self, code: str) -> list[Unit]:
        """Return all units below `code`, breadth first."""
        out: list[Unit] = []
        queue = self.children(code)
        while queue:
            out.extend(queue)
            queue = [c for u in queue for c in self.children(u.code)]
        return out

    def predecessors(self, code: str) -> list[Unit]:
        """Return the former units whose successors include `code`."""
        return list(self._predecessors[code])

    def resolve_province(self, province: str) -> list[Unit]:
        """Return the provinces (both eras) that a configured province name denotes.

        Accepts current or former names, with or without "tỉnh"/"thành phố", any accents or
        tone placement, and the spellings of OLD_SPELLINGS. A former province brings its
        successor and a current one its predecessors: a locality configured under "Quảng
        Nam" may be a commune of today's Đà Nẵng.
        """
        _word, bare = _strip_unit_word(normalize(province))
        bare = normalize(self._spellings.get(fold(bare), bare))
        found = [u for u in self.named(bare) if u.level == "province"]
        if not found:
            raise ValueError(
                f"unknown province {province!r}; close matches: "
                + _close(bare, [u.name for u in self.provinces()])
            )
        related: dict[str, Unit] = {}
        for p in found:
            related[p.code] = p
            for code in p.successors:
                related[code] = self.get(code)
            for pred in self.predecessors(p.code):
                related[pred.code] = pred
        return _ordered(related.values())

    def resolve_locality(self, name: str, province: str) -> list[Unit]:
        """Return the units (both eras) that a configured locality denotes.

        `name` may carry a unit word ("thị xã Đức Phổ", "TX. Đức Phổ"); it then narrows the
        result to that type when units of that type exist. A name equal to the province's
        own name denotes the province. Raises ValueError listing close candidates when
        nothing in the province (or its predecessors/successor) bears the name.
        """
        provinces = self.resolve_province(province)
        scope = {p.code for p in provinces}
        word, bare = _strip_unit_word(normalize(name))

        def in_scope(query: str) -> list[Unit]:
            return [
                u
                for u in self.named(query)
                if (u.code in scope if u.level == "province" else u.province in scope)
            ]

        # A name as written wins; an old spelling ("Bắc Cạn") is tried only when nothing
        # bears the name itself (a current xã Hà Tây exists in Hải Phòng).
        candidates = in_scope(bare)
        if not candidates and fold(bare) in self._spellings:
            candidates = in_scope(normalize(self._spellings[fold(bare)]))
        if word is not None:
            typed = [u for u in candidates if normalize(u.type) == word]
            candidates = typed or candidates
        else:
            as_province = [u for u in candidates if u.level == "province"]
            candidates = as_province or candidates
        if not candidates:
            names = {u.name for p in provinces for u in self.descendants(p.code)}
            raise ValueError(
                f"no unit named {name!r} in province {province!r} "
                f"({', '.join(p.full_name for p in provinces)}); close matches: "
                + _close(bare, sorted(names))
            )
        return _ordered(candidates)

    def english_type(self, unit: Unit) -> str:
        """Return the English word for the unit's type ("thị xã" -> "town")."""
        return ENGLISH_TYPES[unit.type]


def _ordered(units: Iterable[Unit]) -> list[Unit]:
    """Former before current, then provinces, districts, communes, then by code."""
    return sorted(units, key=lambda u: (u.era != "former", _LEVEL_RANK[u.level], u.code))


def _close(query: str, names: list[str]) -> str:
    by_fold = {fold(n): n for n in names}
    matches = difflib.get_close_matches(fold(query), list(by_fold), n=5, cutoff=0.6)
    return ", ".join(by_fold[m] for m in matches) or "none"


@cache
def load_gazetteer() -> Gazetteer:
    """Load the committed data file once per process (tens of milliseconds)."""
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as f:
        payload = json.load(f)
    units = [
        Unit(code, name, type_, level, era, province, district, tuple(successors))
        for code, name, type_, level, era, province, district, successors in payload["units"]
    ]
    return Gazetteer(units)
