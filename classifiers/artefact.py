"""Model artefacts: a skops file (loaded without executing code) plus JSON metadata.

A folder per version holds ``model.skops`` and ``metadata.json``. The metadata records what
the model was trained on (a hash of the data), how it scored, the libraries that built it and
the taxonomy it answers to; a model built for another taxonomy is refused, and so is a file
whose checksum or types do not match.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy
import scipy
import sklearn
import skops
import skops.io as sio

from classifiers.model import TopicModel
from classifiers.taxonomy import LABEL_IDS, taxonomy_id

FORMAT = 1
MODEL_FILE = "model.skops"
# scikit-learn classes skops does not trust by default but that our models are made of: plain
# data holders (the fitted calibrators), reconstructed without running any stored code.
ALLOWED_TYPES = frozenset(
    {"sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration"}
)
METADATA_FILE = "metadata.json"


class ModelError(Exception):
    """A model artefact cannot be used; the message says which and why."""


@dataclass
class Metadata:
    version: str
    taxonomy: str
    variant: str
    created_at: str  # ISO 8601, UTC
    data_hash: str
    examples: dict[str, int]  # by origin: written, decision
    thresholds: dict[str, float]
    metrics: dict[str, Any] = field(default_factory=dict)  # "cv", "heldout", "variants"
    libraries: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    format: int = FORMAT


def libraries() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "skops": skops.__version__,
    }


def new_version(data_hash: str, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{moment}-{data_hash[:8]}"


def save(model: TopicModel, metadata: Metadata, directory: Path) -> Path:
    """Write the artefact into ``directory`` (created); returns the folder."""
    directory.mkdir(parents=True, exist_ok=True)
    state = {
        "variant": model.variant,
        "features": model.features,
        "labels": model.labels,
        "tone": model.tone,
        "thresholds": model.thresholds,
    }
    path = directory / MODEL_FILE
    temporary = path.with_suffix(".tmp")
    sio.dump(state, temporary, compression=zipfile.ZIP_DEFLATED)
    metadata.sha256 = _sha256(temporary)
    metadata.thresholds = dict(model.thresholds)
    metadata.libraries = metadata.libraries or libraries()
    temporary.replace(path)
    (directory / METADATA_FILE).write_text(
        json.dumps(asdict(metadata), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return directory


def read_metadata(directory: Path) -> Metadata:
    path = directory / METADATA_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Metadata(**raw)
    except FileNotFoundError:
        raise ModelError(f"{path}: no model metadata here") from None
    except (json.JSONDecodeError, TypeError) as exc:
        raise ModelError(f"{path}: unreadable model metadata ({exc})") from None


def load(directory: Path) -> tuple[TopicModel, Metadata]:
    """Load and check an artefact; refuse one for another taxonomy or with unexpected types."""
    metadata = read_metadata(directory)
    expected = taxonomy_id()
    if metadata.taxonomy != expected:
        raise ModelError(
            f"{directory}: model {metadata.version} was built for taxonomy {metadata.taxonomy}, "
            f"this version of Media Monitor uses {expected}; retrain with `monitor train`"
        )
    if metadata.format != FORMAT:
        raise ModelError(f"{directory}: model format {metadata.format}, expected {FORMAT}")
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{path}: model file missing")
    if _sha256(path) != metadata.sha256:
        raise ModelError(f"{path}: checksum does not match its metadata; the file was changed")
    untrusted = sorted(set(sio.get_untrusted_types(file=path)) - ALLOWED_TYPES)
    if untrusted:
        raise ModelError(f"{path}: holds types that are not trusted: {', '.join(untrusted)}")
    state = sio.load(path, trusted=sorted(ALLOWED_TYPES))
    if set(state["labels"]) != set(LABEL_IDS):
        raise ModelError(f"{path}: model labels {sorted(state['labels'])} ≠ {list(LABEL_IDS)}")
    model = TopicModel(
        variant=str(state["variant"]),
        features=state["features"],
        labels=dict(state["labels"]),
        tone=state["tone"],
        thresholds={k: float(v) for k, v in state["thresholds"].items()},
    )
    return model, metadata


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
