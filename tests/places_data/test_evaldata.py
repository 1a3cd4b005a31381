"""Validates the labelled locality evaluation set in monitor/places/evaldata/.

Data-only checks (no matcher involved): well-formed JSONL, consistent labels, every
mention surface present in its text, the category balance promised in the README, a
disjoint stratified dev/test split, and a parseable localities.yaml.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

EVALDATA = Path(__file__).resolve().parents[2] / "monitor" / "places" / "evaldata"
SPLITS = ("places_dev.jsonl", "places_test.jsonl")
LOCALITY_IDS = {"L1", "L2", "L3", "L4", "L5"}
CATEGORIES = {
    "press",
    "social",
    "unaccented",
    "english",
    "old_name",
    "abbreviation",
    "unit_inside",
    "namesake",
    "person_name",
    "negative",
    "mixed",
}
KEYS = {"id", "text", "localities", "mentions", "category", "note"}
# Each abbreviation form of the brief must occur at least once, with or without a space.
ABBREVIATIONS = {
    "TX.": r"\bTX\.\s?Đức Phổ",
    "H.": r"(?<![\w.])H\.\s?Vạn Ninh",
    "TP.": r"\bTP\.\s?\w",
    "P.": r"(?<![\w.])P\.\s?\w",
    "X.": r"(?<![\w.])X\.\s?\w",
    "TT.": r"\bTT\.\s?Tam Đường",
}


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Lower-case, accents and đ removed: the 'unaccented' form of a text."""
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


@cache
def raw_lines(name: str) -> tuple[str, ...]:
    return tuple((EVALDATA / name).read_text(encoding="utf-8").splitlines())


@cache
def split(name: str) -> tuple[dict, ...]:
    rows = []
    for n, line in enumerate(raw_lines(name), 1):
        assert line.strip(), f"{name}:{n}: blank line"
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:  # pragma: no cover - reported as failure
            pytest.fail(f"{name}:{n}: invalid JSON: {e}")
    return tuple(rows)


def all_rows() -> list[dict]:
    return [r for name in SPLITS for r in split(name)]


def mention_spans(row: dict) -> list[tuple[int, int]]:
    """Offsets of the mentions, as a scorer derives them: str.find, and the k-th
    listing of the same surface is its k-th occurrence in the text."""
    seen: Counter[str] = Counter()
    spans = []
    for m in row["mentions"]:
        surface = m["surface"]
        start = -1
        for _ in range(seen[surface] + 1):
            start = row["text"].find(surface, start + 1)
            if start < 0:
                break
        seen[surface] += 1
        spans.append((start, start + len(surface)))
    return spans


def assert_well_formed(r: dict, id_pattern: str) -> None:
    """The record format of README.md: keys, id, text, category, localities and mentions."""
    assert set(r) == KEYS, (r.get("id"), set(r) ^ KEYS)
    assert re.fullmatch(id_pattern, r["id"]), r["id"]
    assert isinstance(r["text"], str) and r["text"].strip(), r["id"]
    assert isinstance(r["note"], str), r["id"]
    assert r["category"] in CATEGORIES, (r["id"], r["category"])
    assert isinstance(r["localities"], list) and isinstance(r["mentions"], list), r["id"]
    assert set(r["localities"]) <= LOCALITY_IDS, r["id"]
    assert len(set(r["localities"])) == len(r["localities"]), r["id"]
    for m in r["mentions"]:
        assert set(m) == {"locality", "surface"}, r["id"]
        assert m["locality"] in r["localities"], (r["id"], m)
        assert m["surface"] and m["surface"] == m["surface"].strip(), (r["id"], m)


@pytest.mark.parametrize("name", SPLITS)
def test_rows_well_formed(name: str) -> None:
    rows = split(name)
    assert rows, name
    for r in rows:
        assert_well_formed(r, r"p\d{3,4}")


def test_ids_unique_across_splits() -> None:
    ids = Counter(r["id"] for r in all_rows())
    assert not [i for i, c in ids.items() if c > 1]


def test_every_surface_occurs_in_its_text() -> None:
    for r in all_rows():
        for m, (start, _) in zip(r["mentions"], mention_spans(r), strict=True):
            assert start >= 0, (r["id"], m["surface"], r["text"])


def test_mention_spans_do_not_overlap() -> None:
    for r in all_rows():
        spans = sorted(mention_spans(r))
        for (_, end), (start, _) in pairwise(spans):
            assert end <= start, (r["id"], spans)


def test_every_labelled_locality_has_a_mention() -> None:
    for r in all_rows():
        assert {m["locality"] for m in r["mentions"]} == set(r["localities"]), r["id"]


def test_no_sentence_in_both_splits() -> None:
    def key(text: str) -> str:
        return " ".join(nfc(text).casefold().split())

    dev = {key(r["text"]) for r in split(SPLITS[0])}
    test = {key(r["text"]) for r in split(SPLITS[1])}
    assert not dev & test
    assert len(dev) + len(test) == len(all_rows()), "duplicate sentence inside a split"


def test_split_sizes_and_stratification() -> None:
    dev, test = split(SPLITS[0]), split(SPLITS[1])
    total = len(dev) + len(test)
    assert total >= 340
    assert len(test) >= 200
    assert 0.35 <= len(dev) / total <= 0.45
    cd = Counter(r["category"] for r in dev)
    ct = Counter(r["category"] for r in test)
    for cat in CATEGORIES:
        n = cd[cat] + ct[cat]
        assert cd[cat] >= 1 and ct[cat] >= 1, cat
        assert abs(cd[cat] - 0.4 * n) <= 1, (cat, cd[cat], n)


def test_balance_minimums() -> None:
    rows = all_rows()
    n = len(rows)
    cats = Counter(r["category"] for r in rows)
    single = Counter(r["localities"][0] for r in rows if len(r["localities"]) == 1)
    assert sum(single.values()) >= 0.40 * n
    for loc in LOCALITY_IDS:
        assert single[loc] >= 15, (loc, single)
    hard = [r for r in rows if not r["localities"] and r["category"] != "negative"]
    assert len(hard) >= 0.25 * n
    assert cats["unaccented"] >= 0.15 * n
    assert cats["english"] >= 0.08 * n
    for cat in ("namesake", "person_name", "negative", "mixed", "old_name", "unit_inside"):
        assert cats[cat] >= 10, (cat, cats[cat])
    assert sum(len(r["localities"]) >= 2 for r in rows) >= 10
    for r in rows:
        if r["category"] in ("person_name", "negative"):
            assert r["localities"] == [], r["id"]


def test_unaccented_texts_have_no_diacritics() -> None:
    for r in all_rows():
        if r["category"] == "unaccented":
            t = unicodedata.normalize("NFD", r["text"])
            assert "đ" not in t.lower(), r["id"]
            assert not any(unicodedata.combining(c) for c in t), r["id"]


def test_required_surface_forms_present() -> None:
    texts = [nfc(r["text"]) for r in all_rows()]
    blob = "\n".join(texts)
    for form, pattern in ABBREVIATIONS.items():
        assert re.search(pattern, blob), form
    for needle in (
        "Bắc Cạn",
        "Khánh Hoà",
        "Phổ Hoà",
        "#DucPho",
        "Duc Pho town",
        "huyện Tam Đường",
        "tỉnh Bắc Kạn",
        "thị xã Đức Phổ",
        "quê mình",
    ):
        assert needle in blob, needle
    assert (
        sum(
            1
            for t in texts
            if t.isupper() or sum(c.isupper() for c in t) > 0.6 * sum(c.isalpha() for c in t)
        )
        >= 10
    ), "ALL CAPS texts"
    folded = [fold(t) for t in texts]
    assert sum("que minh" in t for t in folded) >= 10
    assert sum("tam duong" in t for t in folded) >= 10


def test_nfd_texts() -> None:
    nfd = [r for r in all_rows() if r["text"] != nfc(r["text"])]
    assert len(nfd) >= 10
    for r in nfd:
        assert r["text"] == unicodedata.normalize("NFD", r["text"]), r["id"]
        for m in r["mentions"]:
            assert m["surface"] == unicodedata.normalize("NFD", m["surface"]), r["id"]
    escaped = [line for name in SPLITS for line in raw_lines(name) if "\\u030" in line]
    assert len(escaped) >= 10, "NFD texts are written with \\u03xx JSON escapes"


def test_localities_yaml() -> None:
    data = yaml.safe_load((EVALDATA / "localities.yaml").read_text(encoding="utf-8"))
    locs = data["localities"]
    assert [loc["id"] for loc in locs] == ["L1", "L2", "L3", "L4", "L5"]
    assert {loc["id"]: (loc["name"], loc["province"]) for loc in locs} == {
        "L1": ("Quế Minh", "Quảng Nam"),
        "L2": ("Vạn Ninh", "Khánh Hòa"),
        "L3": ("Đức Phổ", "Quảng Ngãi"),
        "L4": ("Bắc Kạn", "Bắc Kạn"),
        "L5": ("Tam Đường", "Lai Châu"),
    }


# --- Second dev set (places_dev2.jsonl): written later, for checking that tuning on the
# first dev set generalises. Not part of the stratified dev/test split above.
DEV2 = "places_dev2.jsonl"
# Later dev sets, each written by a separate writer for error analysis: same format and rules.
LATER_DEV = {
    "places_dev2.jsonl": "d2",
    "places_dev3.jsonl": "d3",
    "places_dev4.jsonl": "d4",
    "places_dev5.jsonl": "d5",
    "places_dev6.jsonl": "d6",
    "places_dev7.jsonl": "d7",
}
ALL_FILES = (*SPLITS, *LATER_DEV)
DEV2_MINIMUMS = {
    "unaccented": 45,
    "english": 30,
    "person_name": 20,
    "namesake": 35,
    "mixed": 20,
    "unit_inside": 25,
}


def dev2_rows() -> tuple[dict, ...]:
    return split(DEV2)


@pytest.mark.parametrize(("name", "prefix"), sorted(LATER_DEV.items()))
def test_later_dev_rows_well_formed(name: str, prefix: str) -> None:
    rows = split(name)
    assert len(rows) >= 200
    for r in rows:
        assert_well_formed(r, rf"{prefix}\d{{3}}")
        assert {m["locality"] for m in r["mentions"]} == set(r["localities"]), r["id"]
        if r["category"] in ("person_name", "negative"):
            assert r["localities"] == [], r["id"]


def test_ids_unique_across_all_evaldata_files() -> None:
    ids = Counter(r["id"] for name in ALL_FILES for r in split(name))
    assert not [i for i, c in ids.items() if c > 1]


@pytest.mark.parametrize("name", sorted(LATER_DEV))
def test_later_dev_surfaces_occur_and_do_not_overlap(name: str) -> None:
    for r in split(name):
        spans = mention_spans(r)
        for m, (start, _) in zip(r["mentions"], spans, strict=True):
            assert start >= 0, (r["id"], m["surface"], r["text"])
        for (_, end), (start, _) in pairwise(sorted(spans)):
            assert end <= start, (r["id"], spans)


def test_no_text_in_two_evaldata_files() -> None:
    """No sentence (NFC, case- and space-insensitive) occurs twice in any evaldata file
    or in two of them. Only the keys are compared; no text is printed but dev2 ids."""

    def key(text: str) -> str:
        return " ".join(nfc(text).casefold().split())

    seen: dict[str, str] = {}
    clashes = []
    for name in ALL_FILES:
        for r in split(name):
            k = key(r["text"])
            if k in seen:
                clashes.append((seen[k], r["id"]) if name in LATER_DEV else (r["id"],))
            seen[k] = r["id"]
    assert not clashes, clashes


def test_dev2_category_minimums() -> None:
    rows = dev2_rows()
    cats = Counter(r["category"] for r in rows)
    for cat, n in DEV2_MINIMUMS.items():
        assert cats[cat] >= n, (cat, cats[cat])
    for r in rows:
        if r["category"] == "unaccented":
            t = unicodedata.normalize("NFD", r["text"])
            assert "đ" not in t.lower(), r["id"]
            assert not any(unicodedata.combining(c) for c in t), r["id"]
    single = Counter(r["localities"][0] for r in rows if len(r["localities"]) == 1)
    for loc in LOCALITY_IDS:
        assert single[loc] >= 5, (loc, single)


def test_dev2_nfd_texts() -> None:
    nfd = [r for r in dev2_rows() if r["text"] != nfc(r["text"])]
    assert len(nfd) >= 10
    for r in nfd:
        assert r["text"] == unicodedata.normalize("NFD", r["text"]), r["id"]
        for m in r["mentions"]:
            assert m["surface"] == unicodedata.normalize("NFD", m["surface"]), r["id"]
    for r in dev2_rows():
        if r["text"] == nfc(r["text"]):
            for m in r["mentions"]:
                assert m["surface"] == nfc(m["surface"]), r["id"]
    escaped = [line for line in raw_lines(DEV2) if "\\u030" in line]
    assert len(escaped) >= 10, "NFD texts are written with \\u03xx JSON escapes"
