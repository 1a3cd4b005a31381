"""Training: compare feature/model variants by cross-validation, choose recall-first
thresholds on out-of-fold scores, fit on everything, and gate a retrained model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from classifiers.data import Example
from classifiers.metrics import Report, recall_first_threshold, report
from classifiers.model import VARIANTS, TopicModel, Variant
from classifiers.taxonomy import LABEL_IDS, LABELS

SEED = 20261122
DEFAULT_VARIANT = "words+folded+chars/svm"  # best cross-validated macro-F1 (see the note)
FOLDS = 5


def _keys(examples: Sequence[Example]) -> list[str]:
    """Stratify on the label combination; a rare combination goes with its first label."""
    keys = ["+".join(sorted(e.labels)) or "none" for e in examples]
    counts = Counter(keys)
    return [k if counts[k] >= FOLDS else k.split("+")[0] for k in keys]


def folds(examples: Sequence[Example], k: int = FOLDS) -> list[tuple[np.ndarray[Any, Any], ...]]:
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED)
    return [
        (train, test) for train, test in splitter.split(np.zeros(len(examples)), _keys(examples))
    ]


@dataclass
class CrossValidated:
    variant: Variant
    scores: dict[str, np.ndarray[Any, Any]]  # out-of-fold probability per label
    tones: list[str]  # out-of-fold tone
    thresholds: dict[str, float]
    report: Report


def cross_validate(variant: Variant, examples: Sequence[Example], k: int = FOLDS) -> CrossValidated:
    texts = [e.text for e in examples]
    scores = {label: np.zeros(len(examples)) for label in LABEL_IDS}
    tones = [""] * len(examples)
    for train, test in folds(examples, k):
        model = TopicModel.fit(
            variant,
            [texts[i] for i in train],
            [examples[i].labels for i in train],
            [examples[i].tone for i in train],
        )
        held = [texts[i] for i in test]
        for label, values in model.scores(held).items():
            scores[label][test] = values
        for i, tone in zip(test, model.tones(held), strict=True):
            tones[i] = tone
    thresholds = {
        lab.id: recall_first_threshold(
            [lab.id in e.labels for e in examples], scores[lab.id], lab.min_recall
        )
        for lab in LABELS
    }
    predicted = [
        [label for label in LABEL_IDS if scores[label][i] >= thresholds[label]]
        for i in range(len(examples))
    ]
    rep = report([e.labels for e in examples], predicted, [e.tone for e in examples], tones)
    return CrossValidated(variant, scores, tones, thresholds, rep)


def compare(
    examples: Sequence[Example], names: Sequence[str] = tuple(VARIANTS)
) -> list[CrossValidated]:
    """Every variant cross-validated on the same folds, best macro-F1 first."""
    results = [cross_validate(VARIANTS[name], examples) for name in names]
    return sorted(results, key=lambda r: -r.report.macro_f1)


def fit(examples: Sequence[Example], cv: CrossValidated) -> TopicModel:
    """The chosen variant fitted on every example, with its cross-validated thresholds."""
    return TopicModel.fit(
        cv.variant,
        [e.text for e in examples],
        [e.labels for e in examples],
        [e.tone for e in examples],
        thresholds=cv.thresholds,
    )


def evaluate(model: TopicModel, examples: Sequence[Example]) -> Report:
    predictions = model.predict([e.text for e in examples], explain=False)
    return report(
        [e.labels for e in examples],
        [p.topics for p in predictions],
        [e.tone for e in examples],
        [p.tone for p in predictions],
    )


@dataclass(frozen=True)
class Gate:
    passed: bool
    reason: str


def gate(candidate: Report, active: Report | None, tolerance: float = 0.0) -> Gate:
    """A retrained model replaces the active one only if it does not lose on the held-out set."""
    if active is None:
        return Gate(True, f"no active model; held-out macro-F1 {candidate.macro_f1:.3f}")
    if candidate.macro_f1 + tolerance < active.macro_f1:
        return Gate(
            False,
            f"held-out macro-F1 {candidate.macro_f1:.3f} is below the active model's "
            f"{active.macro_f1:.3f}",
        )
    return Gate(
        True,
        f"held-out macro-F1 {candidate.macro_f1:.3f} ≥ active {active.macro_f1:.3f}",
    )
