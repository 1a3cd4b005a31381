"""Precision and recall of the locality matcher on the labelled sentences shipped with it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from monitor.places.matcher import REPORT_THRESHOLD, Matcher

EVALDATA = Path(__file__).with_name("evaldata")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    sentences: int = 0
    overall: Score = field(default_factory=Score)
    by_category: dict[str, Score] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def evaluate(matcher: Matcher, path: Path) -> Report:
    """Compare the localities found (confidence ≥ 0.5) with the labels, sentence by sentence."""
    report = Report()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        report.sentences += 1
        expected = set(record.get("localities") or [])
        found = {
            m.locality for m in matcher.match(record["text"]) if m.confidence >= REPORT_THRESHOLD
        }
        category = record.get("category", "other")
        score = report.by_category.setdefault(category, Score())
        for s in (report.overall, score):
            s.tp += len(found & expected)
            s.fp += len(found - expected)
            s.fn += len(expected - found)
        if found != expected:
            report.errors.append(
                f"{record['id']} [{category}] expected {sorted(expected)} got {sorted(found)}: "
                f"{record['text'][:120]}"
            )
    return report


def format_report(report: Report, name: str) -> str:
    lines = [
        f"{name}: {report.sentences} sentences",
        f"precision {report.overall.precision:.3f}  recall {report.overall.recall:.3f}  "
        f"(tp {report.overall.tp}, fp {report.overall.fp}, fn {report.overall.fn})",
        "",
        f"{'category':<14} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}",
    ]
    for category, s in sorted(report.by_category.items()):
        lines.append(
            f"{category:<14} {s.precision:>9.3f} {s.recall:>7.3f} {s.tp:>4} {s.fp:>4} {s.fn:>4}"
        )
    return "\n".join(lines)


def category_counts(path: Path) -> Counter[str]:
    return Counter(
        json.loads(line).get("category", "other")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
