"""Keyword rules beside the model: phrases an office adds for a label (a new reef's name,
say), matched under the same normalisation as the model's features, accents optional."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from classifiers.text import tokens


@dataclass(frozen=True)
class RuleHit:
    phrase: str  # as configured
    surface: str  # as written in the text
    start: int
    end: int


@dataclass(frozen=True)
class Rules:
    """Label → phrases; each phrase is kept as its folded words."""

    phrases: Mapping[str, Sequence[tuple[str, tuple[str, ...]]]]

    @classmethod
    def of(cls, config: Mapping[str, Sequence[str]]) -> Rules:
        compiled = {
            label: [(p, tuple(t.folded for t in tokens(p))) for p in phrases if tokens(p)]
            for label, phrases in config.items()
        }
        return cls({label: entries for label, entries in compiled.items() if entries})

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def match(self, text: str) -> dict[str, list[RuleHit]]:
        """Every configured phrase found in ``text``, by label."""
        if not self.phrases:
            return {}
        words = tokens(text)
        flat = [(part, i) for i, t in enumerate(words) for part in t.folded.split(" ")]
        hits: dict[str, list[RuleHit]] = {}
        for label, entries in self.phrases.items():
            for phrase, folded in entries:
                size = len(folded)
                for i in range(len(flat) - size + 1):
                    if all(flat[i + k][0] == folded[k] for k in range(size)):
                        first, last = words[flat[i][1]], words[flat[i + size - 1][1]]
                        hits.setdefault(label, []).append(
                            RuleHit(phrase, text[first.start : last.end], first.start, last.end)
                        )
        return hits
