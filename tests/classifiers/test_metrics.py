"""Thresholds put recall first; the gate keeps a worse model out."""

from __future__ import annotations

from classifiers.metrics import label_score, recall_first_threshold, report
from classifiers.train import gate


def test_the_threshold_keeps_recall_at_the_floor() -> None:
    truth = [True, True, True, True, False, False, False, False, False, False]
    scores = [0.9, 0.8, 0.4, 0.2, 0.7, 0.3, 0.1, 0.05, 0.02, 0.01]
    threshold = recall_first_threshold(truth, scores, min_recall=0.9)
    predicted = [s >= threshold for s in scores]
    assert label_score(truth, predicted).recall >= 0.9
    assert threshold == 0.2


def test_without_any_threshold_reaching_the_floor_the_lowest_positive_wins() -> None:
    assert recall_first_threshold([True, False], [0.3, 0.9], min_recall=1.0) == 0.3


def test_the_gate_refuses_a_model_that_loses_on_the_held_out_set() -> None:
    truth = [frozenset({"sovereignty"}), frozenset()]
    good = report(truth, [["sovereignty"], []], ["neutral"] * 2, ["neutral"] * 2)
    bad = report(truth, [[], ["sovereignty"]], ["neutral"] * 2, ["neutral"] * 2)
    assert gate(good, bad).passed
    assert not gate(bad, good).passed
    assert "below" in gate(bad, good).reason
    assert gate(bad, None).passed
