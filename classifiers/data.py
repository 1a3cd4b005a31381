"""Labelled examples: the team's written data, the held-out test set and officers' decisions.

The written data (``data/written/*.jsonl``) trains; ``data/heldout/test.jsonl`` was written
separately and only ever measures (and gates) a model. Officers' decisions, stored by the
review desk, become examples like any other and are marked as such.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from classifiers.taxonomy import LABEL_IDS, TONES

DATA_DIR = Path(__file__).with_name("data")
WRITTEN_DIR = DATA_DIR / "written"
HELDOUT_FILE = DATA_DIR / "heldout" / "test.jsonl"
STYLES = ("press", "social", "unaccented", "teencode", "english")


class DataError(ValueError):
    """A labelled example cannot be used; the message names its file and line."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: frozenset[str]
    tone: str
    style: str = "press"
    origin: str = "written"  # "written" or "decision"


def read_jsonl(path: Path) -> list[Example]:
    """Examples of one file, each checked against the taxonomy."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: not JSON ({exc.msg})") from None
        examples.append(_example(record, where))
    return examples


def _example(record: object, where: str) -> Example:
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DataError(f'{where}: "text" must be a non-empty string')
    labels = record.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise DataError(f'{where}: "labels" must be a list of topic ids')
    unknown = sorted(set(labels) - set(LABEL_IDS))
    if unknown:
        raise DataError(f"{where}: unknown topic {unknown[0]!r} (expected {', '.join(LABEL_IDS)})")
    tone = record.get("tone")
    if tone not in TONES:
        raise DataError(f"{where}: tone {tone!r} is not one of {', '.join(TONES)}")
    style = record.get("style", "press")
    if style not in STYLES:
        raise DataError(f"{where}: style {style!r} is not one of {', '.join(STYLES)}")
    return Example(
        id=str(record.get("id", where)),
        text=unicodedata.normalize("NFC", text),
        labels=frozenset(labels),
        tone=str(tone),
        style=str(style),
    )


def written_examples(directory: Path = WRITTEN_DIR) -> list[Example]:
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise DataError(f"{directory}: no training files (*.jsonl)")
    return [example for path in files for example in read_jsonl(path)]


def heldout_examples(path: Path = HELDOUT_FILE) -> list[Example]:
    return read_jsonl(path)


def data_hash(examples: Iterable[Example]) -> str:
    """A fingerprint of what a model was trained on, independent of file order."""
    lines = sorted(
        json.dumps([e.text, sorted(e.labels), e.tone], ensure_ascii=False) for e in examples
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def dedupe(examples: Sequence[Example]) -> list[Example]:
    """One example per text; a later one (an officer's decision) replaces an earlier one."""
    by_text: dict[str, Example] = {}
    for example in examples:
        by_text[" ".join(example.text.split()).casefold()] = example
    return list(by_text.values())
