"""Per-label precision, recall and F1, macro-F1, and the recall-first threshold choice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from classifiers.taxonomy import LABEL_IDS, TONES


@dataclass(frozen=True)
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int
    tp: int
    fp: int
    fn: int


def label_score(truth: Sequence[bool], predicted: Sequence[bool]) -> LabelScore:
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    tp = int((t & p).sum())
    fp = int((~t & p).sum())
    fn = int((t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelScore(round(precision, 4), round(recall, 4), round(f1, 4), int(t.sum()), tp, fp, fn)


@dataclass(frozen=True)
class Report:
    labels: dict[str, LabelScore]
    macro_f1: float
    tone_accuracy: float
    tone_macro_f1: float
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "labels": {k: asdict(v) for k, v in self.labels.items()},
            "macro_f1": self.macro_f1,
            "tone_accuracy": self.tone_accuracy,
            "tone_macro_f1": self.tone_macro_f1,
            "count": self.count,
        }


def report(
    truth: Sequence[frozenset[str]],
    predicted: Sequence[Sequence[str]],
    tone_truth: Sequence[str],
    tone_predicted: Sequence[str],
) -> Report:
    labels = {
        label: label_score([label in t for t in truth], [label in p for p in predicted])
        for label in LABEL_IDS
    }
    macro = round(sum(s.f1 for s in labels.values()) / len(labels), 4)
    tones = {
        tone: label_score([t == tone for t in tone_truth], [p == tone for p in tone_predicted])
        for tone in TONES
    }
    accuracy = sum(t == p for t, p in zip(tone_truth, tone_predicted, strict=True)) / max(
        1, len(tone_truth)
    )
    return Report(
        labels=labels,
        macro_f1=macro,
        tone_accuracy=round(accuracy, 4),
        tone_macro_f1=round(sum(s.f1 for s in tones.values()) / len(tones), 4),
        count=len(truth),
    )


def recall_first_threshold(
    truth: Sequence[bool], scores: Sequence[float] | np.ndarray[Any, Any], min_recall: float
) -> float:
    """The threshold with the best F1 among those that keep recall ≥ ``min_recall``.

    Missing an item is worse than a false alarm, so recall is a floor, not a trade: when no
    threshold reaches it, the one with the highest recall (the lowest score of a positive) wins.
    """
    t = np.asarray(truth, dtype=bool)
    s = np.asarray(scores, dtype=float)
    positives = int(t.sum())
    if positives == 0:
        return 0.5
    best: tuple[float, float] | None = None  # (f1, threshold)
    for threshold in np.unique(s):
        predicted = s >= threshold
        tp = int((t & predicted).sum())
        recall = tp / positives
        if recall < min_recall:
            continue
        precision = tp / int(predicted.sum())
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if best is None or f1 > best[0] or (f1 == best[0] and threshold > best[1]):
            best = (f1, float(threshold))
    if best is None:
        return float(s[t].min())
    return round(best[1], 6)


def format_report(rep: Report, title: str, thresholds: Mapping[str, float] | None = None) -> str:
    lines = [f"{title}: {rep.count} examples", "label          precision  recall     f1  support"]
    for label, s in rep.labels.items():
        extra = f"  (threshold {thresholds[label]:.3f})" if thresholds else ""
        lines.append(
            f"{label:<14} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}{extra}"
        )
    lines.append(f"macro-F1 {rep.macro_f1:.3f}")
    lines.append(f"tone accuracy {rep.tone_accuracy:.3f}  tone macro-F1 {rep.tone_macro_f1:.3f}")
    return "\n".join(lines)
