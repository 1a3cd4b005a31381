"""The default topic model on real text it never saw: false positives on off-topic news
(VNTC: sport, health, computing, science, business) and the distortion label on VFND's
fake and real news. Prints the figures the classification issue asks for.

    .venv/bin/python bench/topics_real.py [--show N]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifiers import artefact
from classifiers.store import ensure_default

REAL = Path(__file__).resolve().parents[2] / "shared/data/real"
OFF_TOPIC = ("the_thao", "suc_khoe", "vi_tinh", "khoa_hoc", "kinh_doanh")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print N flagged off-topic titles")
    args = parser.parse_args()
    model, metadata = artefact.load(ensure_default())
    print(f"model {metadata.version} ({metadata.variant})")

    vntc = [json.loads(line) for line in (REAL / "vntc_test_2000.jsonl").open(encoding="utf-8")]
    off = [r for r in vntc if r["label"] in OFF_TOPIC]
    predictions = model.predict([r["text"] for r in off], explain=False)
    flagged = [(r, p) for r, p in zip(off, predictions, strict=True) if p.topics]
    by_label = Counter(t for _, p in flagged for t in p.topics)
    by_topic = Counter(r["label"] for r, _ in flagged)
    print(
        f"VNTC off-topic: {len(flagged)} of {len(off)} flagged "
        f"({100 * len(flagged) / len(off):.1f}%); by label {dict(by_label)}; "
        f"by VNTC topic {dict(by_topic)}"
    )
    for r, p in flagged[: args.show]:
        print(f"  {r['label']:<10} {p.topics} {r['text'][:100]!r}")

    vfnd = [json.loads(line) for line in (REAL / "vfnd_all.jsonl").open(encoding="utf-8")]
    predictions = model.predict([r["text"] for r in vfnd], explain=False)
    for kind in ("fake", "real"):
        rows = [p for r, p in zip(vfnd, predictions, strict=True) if r["label"] == kind]
        hit = sum("distortion" in p.topics for p in rows)
        print(f"VFND {kind}: distortion on {hit} of {len(rows)} ({100 * hit / len(rows):.1f}%)")


if __name__ == "__main__":
    main()
