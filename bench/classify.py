"""Topic classification speed: documents per second batched and one at a time, model load
time and memory, over real press items (title + summary).

    .venv/bin/python bench/classify.py [--items PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifiers import artefact
from classifiers.store import ensure_default
from classifiers.text import item_text

DEFAULT_ITEMS = Path(__file__).resolve().parents[2] / "shared/data/real/press_items_2026.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=Path, default=DEFAULT_ITEMS)
    parser.add_argument("--limit", type=int, default=4000)
    parser.add_argument("--single", type=int, default=500, help="texts classified one by one")
    args = parser.parse_args()

    records = [json.loads(line) for line in args.items.read_text(encoding="utf-8").splitlines()]
    texts = [item_text(r.get("title"), r.get("text")) for r in records][: args.limit]
    directory = ensure_default()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model, metadata = artefact.load(directory)
    load_seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()  # (slows loading several-fold, so measured on a second load)
    artefact.load(directory)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    model.predict(texts[:10])  # warm up
    started = time.perf_counter()
    for start in range(0, len(texts), 256):
        model.predict(texts[start : start + 256])
    batched = len(texts) / (time.perf_counter() - started)

    started = time.perf_counter()
    for text in texts[: args.single]:
        model.predict([text])
    single = args.single / (time.perf_counter() - started)

    size = (directory / artefact.MODEL_FILE).stat().st_size
    print(f"model {metadata.version} ({metadata.variant}), file {size / 1e6:.1f} MB")
    print(f"load time {load_seconds:.2f} s, Python memory of a loaded model {peak / 1e6:.0f} MB")
    print(f"process peak RSS {rss_after / 1024:.0f} MB (before loading {rss_before / 1024:.0f} MB)")
    print(f"batched (256, with explanations): {batched:,.0f} documents/s over {len(texts)}")
    print(f"one at a time (with explanations): {single:,.0f} documents/s over {args.single}")


if __name__ == "__main__":
    main()
