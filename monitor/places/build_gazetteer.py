"""Build monitor/places/data/gazetteer.json.gz from the `vietnamadminunits` package.

Run ``.venv/bin/python -m monitor.places.build_gazetteer`` after upgrading the package.
The package (its SQLite dataset and its 2025 conversion tables) is the source of truth;
the generated file is committed so that the service loads the gazetteer in a few tens of
milliseconds without the package's heavy dependencies (shapely, numpy, geopy).

Output: ``{"source": ..., "units": [[code, name, type, level, era, province, district,
[successors...]], ...]}``; see `monitor.places.gazetteer.Unit` for the fields.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import sys
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from monitor.places.normalize import place_tones

DATA_FILE = Path(__file__).parent / "data" / "gazetteer.json.gz"
PACKAGE = "vietnamadminunits"

Row = list[Any]


def _code(era: str, level: str, raw: str) -> str:
    # Official GSO codes carry leading zeros ("01", "00004"); the int form is what people type.
    return f"{era}:{level}:{int(raw)}"


def _name(short_name: str) -> str:
    """Return the bare proper name, NFC with the official tone placement.

    The package keeps the unit word on numbered units ("Phường 1", "Quận 10"); we drop it
    like on every other unit, so numbered names are bare numbers: match them together with
    their unit word (`Unit.full_name`). "Phường Đúc" in Huế is a real name and stays.
    """
    numbered = _NUMBERED_RE.fullmatch(short_name)
    return numbered.group(1) if numbered else place_tones(short_name)


_NUMBERED_RE = re.compile(r"(?:phường|quận|xã|thị trấn)\s+(\d+\w?)", re.IGNORECASE)


def _type(full_name: str, short_name: str) -> str:
    """Return the unit word: "Thành phố Hà Nội" minus "Hà Nội" -> "thành phố"."""
    if not full_name.endswith(short_name):
        raise ValueError(f"cannot split unit word from {full_name!r} / {short_name!r}")
    return full_name[: -len(short_name)].strip().lower()


def build_units() -> list[Row]:
    """Read the package data and return the rows of the compact file."""
    data_dir = resources.files(PACKAGE) / "data"
    with resources.as_file(data_dir / "dataset.db") as db_path:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        current = conn.execute("SELECT * FROM admin_units ORDER BY wardCode").fetchall()
        legacy = conn.execute(
            "SELECT * FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
        conn.close()
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))

    rows: list[Row] = []
    # --- current era: provinces and communes (no district level) ---
    new_province_by_key: dict[str, str] = {}
    new_ward_by_key: dict[tuple[str, str], str] = {}
    for r in current:
        p_code = _code("c", "p", r["provinceCode"])
        if r["provinceKey"] not in new_province_by_key:
            new_province_by_key[r["provinceKey"]] = p_code
            name = _name(r["provinceShort"])
            kind = _type(r["province"], r["provinceShort"])
            rows.append([p_code, name, kind, "province", "current", None, None, []])
        w_code = _code("c", "w", r["wardCode"])
        new_ward_by_key[(r["provinceKey"], r["wardKey"])] = w_code
        name, kind = _name(r["wardShort"]), _type(r["ward"], r["wardShort"])
        rows.append([w_code, name, kind, "commune", "current", p_code, None, []])

    # --- old -> new mapping, keyed "<oldProvinceKey>_<oldDistrictKey>_<oldWardKey>" ---
    ward_successors: dict[str, list[str]] = defaultdict(list)
    for new_p, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_w, old_keys in wards.items():
            for old_key in old_keys:
                ward_successors[old_key].append(new_ward_by_key[(new_p, new_w)])
    for new_p, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in divided.items():
            # The package's default successor first: it is where most of the old commune went.
            for t in sorted(targets, key=lambda t: not t["isDefaultNewWard"]):
                code = new_ward_by_key[(new_p, t["newWardKey"])]
                if code not in ward_successors[old_key]:
                    ward_successors[old_key].append(code)
    province_successor = {
        old_key: new_province_by_key[new_key]
        for new_key, old_keys in converter["DICT_PROVINCE"].items()
        for old_key in old_keys
    }

    # --- former era: provinces, districts, communes ---
    seen: set[str] = set()
    district_successors: dict[str, list[str]] = defaultdict(list)
    district_rows: dict[str, Row] = {}
    for r in legacy:
        p_code = _code("f", "p", r["provinceCode"])
        if p_code not in seen:
            seen.add(p_code)
            name = _name(r["provinceShort"])
            kind = _type(r["province"], r["provinceShort"])
            successor = [province_successor[r["provinceKey"]]]
            rows.append([p_code, name, kind, "province", "former", None, None, successor])
        d_code = _code("f", "d", r["districtCode"])
        if d_code not in seen:
            seen.add(d_code)
            name = _name(r["districtShort"])
            row = [d_code, name, r["districtType"].lower(), "district", "former", p_code, None]
            district_rows[d_code] = [*row, district_successors[d_code]]
            rows.append(district_rows[d_code])
        old_key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        successors = ward_successors[old_key]
        if not successors:
            raise ValueError(f"no successor for former unit {old_key}")
        for s in successors:
            if s not in district_successors[d_code]:
                district_successors[d_code].append(s)
        if r["wardCode"] is None:
            continue  # island districts without communes (Bạch Long Vĩ, Cồn Cỏ, ...)
        w_code, name = _code("f", "w", r["wardCode"]), _name(r["wardShort"])
        kind = r["wardType"].lower()
        rows.append([w_code, name, kind, "commune", "former", p_code, d_code, successors])
    return rows


def main() -> int:
    """Write the compact data file."""
    rows = build_units()
    payload = {"source": f"{PACKAGE} {metadata.version(PACKAGE)}", "units": rows}
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0 keeps the committed file byte-identical between rebuilds of the same data.
    DATA_FILE.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    print(f"wrote {len(rows)} units to {DATA_FILE} ({DATA_FILE.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
