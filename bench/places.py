"""Locality matching speed and yield on real press text, with every current unit watched.

Builds one matcher whose localities are all current units (34 provinces and every commune and
ward; their former units come along through the old→new mapping), runs it over the 14,444 real
items of ../shared/data/real/press_items_2026.jsonl, and prints documents per second, the ratio
to normalisation alone over the same text, and how many items matched per unit type.

    .venv/bin/python bench/places.py [--items PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config.models import Locality
from monitor.places.gazetteer import Gazetteer, Unit, load_gazetteer
from monitor.places.matcher import REPORT_THRESHOLD, build_matcher
from monitor.places.normalize import normalize_with_offsets

DEFAULT_ITEMS = Path(__file__).resolve().parents[2] / "shared/data/real/press_items_2026.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=Path, default=DEFAULT_ITEMS)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    texts = [
        json.loads(line)["text"]
        for line in args.items.read_text(encoding="utf-8").splitlines()[: args.limit]
    ]
    gazetteer = load_gazetteer()
    started = time.perf_counter()
    for text in texts:
        normalize_with_offsets(text)
    normalise_rate = len(texts) / (time.perf_counter() - started)
    print(f"documents:               {len(texts)}")
    print(f"normalisation alone:     {normalise_rate:,.0f} docs/s")

    current = [u for u in gazetteer.units.values() if u.era == "current"]
    former = [u for u in gazetteer.units.values() if u.era == "former" and u.level != "commune"]
    for label, units in (
        ("current units", current),
        ("current and former units", current + former),
    ):
        print(f"\n{label} watched at once")
        run(texts, gazetteer, units, normalise_rate)


def run(texts: list[str], gazetteer: Gazetteer, units: list[Unit], normalise_rate: float) -> None:
    """One locality per unit (former communes come in through the old→new mapping)."""
    localities = [
        Locality(
            id=u.code,
            name=u.name,
            province=gazetteer.get(u.province).name if u.province else u.name,
        )
        for u in units
    ]
    started = time.perf_counter()
    matcher = build_matcher(localities, gazetteer)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    results = [matcher.match(text) for text in texts]
    rate = len(texts) / (time.perf_counter() - started)

    by_type: Counter[str] = Counter()
    matched = 0
    for mentions in results:
        strong = {m.locality for m in mentions if m.confidence >= REPORT_THRESHOLD}
        matched += bool(strong)
        for code in strong:
            unit = gazetteer.get(code)
            by_type[f"{unit.type} ({unit.era})"] += 1
    print(f"  localities:            {len(localities)}")
    print(f"  surface forms:         {matcher.variant_count}")
    print(f"  matcher built in:      {build_seconds:.1f} s")
    print(f"  matching:              {rate:,.0f} docs/s")
    print(f"  ratio to normalisation: {rate / normalise_rate:.2f}")
    print(f"  items with a mention ≥ {REPORT_THRESHOLD}: {matched}")
    print("  (item, locality) pairs by unit type:")
    for unit_type, count in by_type.most_common():
        print(f"    {unit_type:<22} {count}")


if __name__ == "__main__":
    main()
