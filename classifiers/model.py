"""Linear topic and tone models over TF-IDF features, with explanations.

One calibrated linear model per label and one for tone share a feature extractor. Everything
stored is a plain scikit-learn object (no custom callables), so an artefact loads through
skops without executing code: the text is normalised by ``classifiers.text`` before it
reaches the extractor, as two columns (accented and folded).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from classifiers.rules import RuleHit, Rules
from classifiers.taxonomy import LABEL_IDS
from classifiers.text import Token, tokens, views

_TOKENS = r"(?u)\b\w+\b"  # keep one-letter words: "k" (không), "5" in "bão số 5"


def _word_ngrams() -> TfidfVectorizer:
    return TfidfVectorizer(
        token_pattern=_TOKENS, ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=40_000
    )


@dataclass(frozen=True)
class Variant:
    """A feature/model combination compared by cross-validation."""

    name: str
    description: str
    char: bool  # character n-grams over the folded text
    folded_words: bool  # word n-grams over the folded text too
    svm: bool  # linear SVM instead of logistic regression
    c: float = 4.0

    def features(self) -> ColumnTransformer:
        parts: list[tuple[str, TfidfVectorizer, int]] = [
            (
                "w",
                _word_ngrams(),
                0,
            )
        ]
        if self.folded_words:
            parts.append(
                (
                    "f",
                    _word_ngrams(),
                    1,
                )
            )
        if self.char:
            parts.append(
                (
                    "c",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(3, 5),
                        min_df=3,
                        sublinear_tf=True,
                        max_features=60_000,
                    ),
                    1,
                )
            )
        return ColumnTransformer(parts, sparse_threshold=1.0)

    def classifier(self) -> CalibratedClassifierCV:
        base: LinearSVC | LogisticRegression
        if self.svm:
            base = LinearSVC(C=self.c / 8, class_weight="balanced")
        else:
            base = LogisticRegression(
                C=self.c, class_weight="balanced", max_iter=2000, solver="liblinear"
            )
        # ensemble=False: one linear model fitted on all the data (its weights explain the
        # prediction) plus a sigmoid fitted on its cross-validated scores.
        return CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)

    def tone_classifier(self) -> CalibratedClassifierCV:
        base = LogisticRegression(C=self.c, class_weight="balanced", max_iter=2000)
        return CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant(
            "words", "TF-IDF word 1-2-grams (accented) + logistic regression", False, False, False
        ),
        Variant(
            "words+folded+chars",
            "TF-IDF word 1-2-grams, accented and folded, + char 3-5-grams (folded) + logistic "
            "regression",
            True,
            True,
            False,
        ),
        Variant(
            "words+folded+chars/svm",
            "the same features + linear SVM with sigmoid calibration",
            True,
            True,
            True,
        ),
    )
}


def columns(texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.object_]]:
    """The two columns the extractor reads: accented and folded normalised text."""
    rows = [(v.accented, v.folded) for v in map(views, texts)]
    return np.array(rows, dtype=object).reshape(len(rows), 2)


@dataclass
class Prediction:
    topics: list[str]
    scores: dict[str, float]
    tone: str
    tone_scores: dict[str, float]
    explain: dict[str, list[tuple[str, int, int]]]
    rules: dict[str, list[RuleHit]] = field(default_factory=dict)


@dataclass
class TopicModel:
    """The fitted extractor, one calibrated classifier per label, tone, and thresholds."""

    variant: str
    features: ColumnTransformer
    labels: dict[str, CalibratedClassifierCV]
    tone: CalibratedClassifierCV
    thresholds: dict[str, float]
    _names: list[str] = field(default_factory=list, repr=False)

    @property
    def feature_names(self) -> list[str]:
        if not self._names:
            self._names = [str(n) for n in self.features.get_feature_names_out()]
        return self._names

    @classmethod
    def fit(
        cls,
        variant: Variant,
        texts: Sequence[str],
        labels: Sequence[frozenset[str]],
        tones: Sequence[str],
        thresholds: Mapping[str, float] | None = None,
    ) -> TopicModel:
        features = variant.features()
        matrix = features.fit_transform(columns(texts))
        classifiers = {}
        for label in LABEL_IDS:
            y = np.array([label in ls for ls in labels], dtype=int)
            classifiers[label] = variant.classifier().fit(matrix, y)
        tone = variant.tone_classifier().fit(matrix, np.array(list(tones)))
        return cls(
            variant=variant.name,
            features=features,
            labels=classifiers,
            tone=tone,
            thresholds=dict(thresholds or dict.fromkeys(LABEL_IDS, 0.5)),
        )

    def scores(self, texts: Sequence[str]) -> dict[str, np.ndarray[Any, Any]]:
        """Calibrated probability of each label, per text."""
        matrix = self.features.transform(columns(texts))
        return {label: clf.predict_proba(matrix)[:, 1] for label, clf in self.labels.items()}

    def tones(self, texts: Sequence[str]) -> list[str]:
        matrix = self.features.transform(columns(texts))
        return [str(t) for t in self.tone.predict(matrix)]

    def predict(
        self, texts: Sequence[str], rules: Rules | None = None, explain: bool = True
    ) -> list[Prediction]:
        if not texts:
            return []
        matrix = sparse.csr_matrix(self.features.transform(columns(texts)))
        label_scores = {
            label: clf.predict_proba(matrix)[:, 1] for label, clf in self.labels.items()
        }
        tone_proba = self.tone.predict_proba(matrix)
        tone_classes = [str(c) for c in self.tone.classes_]
        results = []
        for row, text in enumerate(texts):
            scores = {label: round(float(label_scores[label][row]), 4) for label in LABEL_IDS}
            topics = [label for label in LABEL_IDS if scores[label] >= self.thresholds[label]]
            hits = rules.match(text) if rules is not None else {}
            for label in hits:
                if label not in topics:
                    topics.append(label)
            topics.sort(key=LABEL_IDS.index)
            tone_scores = {
                c: round(float(p), 4) for c, p in zip(tone_classes, tone_proba[row], strict=True)
            }
            reasons: dict[str, list[tuple[str, int, int]]] = {}
            if explain and topics:
                words = tokens(text)
                for label in topics:
                    spans = [(h.surface, h.start, h.end) for h in hits.get(label, [])]
                    spans += self._explain(label, matrix[row], text, words)
                    reasons[label] = _unique_spans(spans)
            results.append(
                Prediction(
                    topics=topics,
                    scores=scores,
                    tone=max(tone_scores, key=lambda c: tone_scores[c]),
                    tone_scores=tone_scores,
                    explain=reasons,
                    rules=hits,
                )
            )
        return results

    def _explain(
        self, label: str, row: sparse.csr_matrix, text: str, words: list[Token], top: int = 6
    ) -> list[tuple[str, int, int]]:
        """The words and phrases that pushed ``label`` up most, as spans of ``text``."""
        weights = _weights(self.labels[label])
        names = self.feature_names
        contributions = {
            int(index): float(value) * float(weights[index])
            for index, value in zip(row.indices, row.data, strict=True)
            if weights[index] > 0
        }
        span_scores: dict[tuple[int, int], float] = defaultdict(float)
        folded_words = [t.folded for t in words]
        accented_words = [t.text for t in words]
        char_totals: dict[str, int] = defaultdict(int)
        for t in words:
            for gram in _char_grams(t.folded):
                char_totals[gram] += 1
        for index, value in contributions.items():
            kind, _, term = names[index].partition("__")
            if kind in ("w", "f"):
                sequence = accented_words if kind == "w" else folded_words
                for first, last in _find_ngram(sequence, term.split(" ")):
                    span_scores[(words[first].start, words[last].end)] += value
            elif kind == "c" and char_totals.get(term):
                share = value / char_totals[term]
                for t in words:
                    if term in f" {t.folded} ":
                        span_scores[(t.start, t.end)] += share
        ranked = sorted(span_scores.items(), key=lambda item: -item[1])[: top * 2]
        merged = _merge_spans([span for span, _ in ranked])
        best = sorted(
            merged,
            key=lambda span: -max(s for (a, b), s in span_scores.items() if span[0] <= a < span[1]),
        )
        return [(text[a:b], a, b) for a, b in best[:top]]


def _weights(classifier: CalibratedClassifierCV) -> np.ndarray[Any, Any]:
    estimator = classifier.calibrated_classifiers_[0].estimator
    return np.asarray(estimator.coef_).ravel()


def _char_grams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + n] for n in range(3, 6) for i in range(len(padded) - n + 1)}


def _find_ngram(sequence: list[str], gram: list[str]) -> list[tuple[int, int]]:
    """Token index ranges where ``gram`` occurs; teencode tokens may hold two words."""
    flat: list[tuple[str, int]] = [
        (part, index) for index, word in enumerate(sequence) for part in word.split(" ")
    ]
    found = []
    size = len(gram)
    for i in range(len(flat) - size + 1):
        if all(flat[i + k][0] == gram[k] for k in range(size)):
            found.append((flat[i][1], flat[i + size - 1][1]))
    return found


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _unique_spans(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    seen: set[tuple[int, int]] = set()
    result = []
    for surface, start, end in spans:
        if (start, end) not in seen:
            seen.add((start, end))
            result.append((surface, start, end))
    return result
