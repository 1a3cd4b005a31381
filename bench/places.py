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
from monitor.places.gazetteer import load_gazetteer
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
    started = time.perf_counter()
    gazetteer = load_gazetteer()
    current = [u for u in gazetteer.units.values() if u.era == "current"]
    localities = [
        Locality(
            id=u.code,
            name=u.name,
            province=gazetteer.get(u.province).name if u.province else u.name,
        )
        for u in current
    ]
    matcher = build_matcher(localities, gazetteer)
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for text in texts:
        normalize_with_offsets(text)
    normalise_seconds = time.perf_counter() - started

    started = time.perf_counter()
    results = [matcher.match(text) for text in texts]
    match_seconds = time.perf_counter() - started

    by_type: Counter[str] = Counter()
    matched = 0
    for mentions in results:
        strong = {m.locality for m in mentions if m.confidence >= REPORT_THRESHOLD}
        if strong:
            matched += 1
        for code in strong:
            by_type[gazetteer.get(code).type] += 1

    print(f"localities watched:     {len(localities)} current units")
    print(f"surface forms:          {matcher.variant_count}")
    print(f"matcher built in:       {build_seconds:.2f} s")
    print(f"documents:              {len(texts)}")
    print(f"normalisation alone:    {len(texts) / normalise_seconds:,.0f} docs/s")
    print(f"matching:               {len(texts) / match_seconds:,.0f} docs/s")
    print(f"ratio to normalisation: {normalise_seconds / match_seconds:.2f}")
    print(f"items with a mention ≥ {REPORT_THRESHOLD}: {matched}")
    for unit_type, count in by_type.most_common():
        print(f"  {unit_type:<12} {count}")


if __name__ == "__main__":
    main()
