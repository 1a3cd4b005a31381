"""Landmarks (bays, passes, pagodas, border gates…) placed in a former province.

A landmark is context, never a mention: "Ngư dân Vạn Ninh … vịnh Vân Phong" is the Vạn Ninh
of Khánh Hòa because Vân Phong lies there, yet the sentence names no other unit. The data
is ``data/landmarks.tsv`` (curated by hand, checked by ``check_landmarks``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "landmarks.tsv"
COLUMNS = ("province", "district", "kind", "name", "english")


@dataclass(frozen=True)
class Landmark:
    province: str  # former province, exact gazetteer name
    district: str  # former district, or "-" when it spans several
    kind: str  # landscape word written before the name ("vịnh"), or "-"
    name: str
    english: str  # usual English form, or "-"
    line: int

    def forms(self) -> Iterator[str]:
        """How the press writes it: with its kind word ("vịnh Vân Phong"), in English."""
        yield self.name if self.kind == "-" else f"{self.kind} {self.name}"
        if self.english != "-":
            yield self.english


def data_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, tab-separated fields)`` of every line that is not blank or a comment."""
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if raw.strip() and not raw.startswith("#"):
            yield lineno, raw.split("\t")


def parse_landmarks(text: str) -> list[Landmark]:
    """Data lines of a landmarks file; malformed lines are left to ``check_landmarks``."""
    landmarks = []
    for lineno, fields in data_lines(text):
        if len(fields) != len(COLUMNS) or not all(f and f == f.strip() for f in fields):
            continue
        province, district, kind, name, english = fields
        landmarks.append(Landmark(province, district, kind, name, english, lineno))
    return landmarks


def load_landmarks(path: Path = DATA_FILE) -> list[Landmark]:
    return parse_landmarks(path.read_text(encoding="utf-8"))
