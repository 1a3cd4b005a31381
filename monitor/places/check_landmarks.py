"""Check monitor/places/data/landmarks.tsv against the gazetteer (former era).

Run ``.venv/bin/python -m monitor.places.check_landmarks [PATH]``. Each data line is
``province<TAB>district<TAB>kind<TAB>name<TAB>english``; ``#`` lines and blank lines are
skipped. Errors (exit status 1):

- not exactly 5 tab-separated columns, an empty column, or spaces around a column;
- a province that is not a former (pre-July-2025) province, by its exact gazetteer name;
- a district (unless ``-``) that is not a former district of that province, by its exact
  gazetteer name (``Kỳ Anh (Thị xã)`` where two districts share a name);
- a kind that is not lower case (or ``-``);
- a name or kind that is not NFC, or whose tone placement is not the canonical one the
  gazetteer uses ("Hòa", "Thủy");
- the same (province, kind, name) twice with the same district (one line per side of a
  border is fine, the same side twice is not), or the same (province, kind, name) once
  with ``-`` and once with a district.

Warnings (reported, exit status unaffected): a name whose bare form equals the name of an
administrative unit (the province, a district or a commune) of the same former province —
such a name is also found by the gazetteer, so the line is only useful with its kind word.
"""

from __future__ import annotations

import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from monitor.places.gazetteer import load_gazetteer
from monitor.places.landmarks import COLUMNS, DATA_FILE, data_lines
from monitor.places.normalize import normalize, place_tones


def check(path: Path = DATA_FILE) -> tuple[list[str], list[str]]:
    """Return (errors, warnings) as ``FILE:LINE: message`` strings."""
    gazetteer = load_gazetteer()
    provinces = {p.name: p for p in gazetteer.provinces("former")}
    districts: dict[str, set[str]] = {}
    unit_names: dict[str, dict[str, list[str]]] = {}
    for pname, punit in provinces.items():
        districts[pname] = {d.name for d in gazetteer.children(punit.code)}
        names: dict[str, list[str]] = defaultdict(list)
        names[normalize(pname)].append(punit.full_name)
        for unit in gazetteer.descendants(punit.code):
            names[normalize(unit.name)].append(unit.full_name)
        unit_names[pname] = names

    errors: list[str] = []
    warnings: list[str] = []
    seen: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    label = path.name
    for lineno, fields in data_lines(path.read_text(encoding="utf-8")):
        where = f"{label}:{lineno}"
        if len(fields) != len(COLUMNS):
            errors.append(f"{where}: {len(fields)} columns, expected {len(COLUMNS)}")
            continue
        bad = [c for c, f in zip(COLUMNS, fields, strict=True) if not f or f != f.strip()]
        if bad:
            errors.append(f"{where}: empty or padded column(s): {', '.join(bad)}")
            continue
        province, district, kind, name, _english = fields
        for column, value in (
            ("province", province),
            ("district", district),
            ("kind", kind),
            ("name", name),
        ):
            if not unicodedata.is_normalized("NFC", value):
                errors.append(f"{where}: {column} {value!r} is not NFC")
            elif place_tones(value) != value:
                errors.append(
                    f"{where}: {column} {value!r} has non-canonical tone placement "
                    f"(gazetteer form: {place_tones(value)!r})"
                )
        if province not in provinces:
            errors.append(f"{where}: {province!r} is not a former province")
            continue
        if district != "-" and district not in districts[province]:
            errors.append(f"{where}: {district!r} is not a former district of {province}")
        if kind != "-" and kind != kind.lower():
            errors.append(f"{where}: kind {kind!r} is not lower case")
        if name == "-":
            errors.append(f"{where}: the name may not be '-'")
            continue
        key = (province, normalize(kind), normalize(name))
        previous = seen[key]
        if district in previous:
            errors.append(
                f"{where}: duplicate of line {previous[district]} "
                f"({province} / {district} / {kind} {name})"
            )
        elif previous and ("-" in previous or district == "-"):
            first = min(previous.values())
            errors.append(
                f"{where}: {kind} {name} is listed both for the whole province ('-') and for "
                f"a district (see line {first})"
            )
        else:
            previous[district] = lineno
        units = unit_names[province].get(normalize(name))
        if units:
            shown = ", ".join(sorted(set(units))[:3])
            warnings.append(
                f"{where}: name {name!r} is also an administrative unit of {province}: {shown}"
            )
    return errors, warnings


def main(argv: list[str] | None = None) -> int:
    """Print problems; return 1 when there are errors, else 0."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DATA_FILE
    errors, warnings = check(path)
    for message in errors:
        print(message)
    for message in warnings:
        print(f"warning: {message}")
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
