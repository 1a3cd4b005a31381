"""Where models live and which one is active.

The default model is built from the shipped training data by the setup command (and, if it
is missing, on first use), so a fresh install classifies without a manual training step.
Retrained models go into ``<data dir>/models/<version>/``; ``ACTIVE`` there names the one in
use. A retrained model that lost the gate is kept for inspection but never activated.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from classifiers import artefact
from classifiers.artefact import Metadata, ModelError
from classifiers.data import data_hash, heldout_examples, written_examples
from classifiers.model import VARIANTS, TopicModel
from classifiers.taxonomy import taxonomy_id
from classifiers.train import DEFAULT_VARIANT, cross_validate, evaluate, fit

log = logging.getLogger(__name__)

PACKAGE_DEFAULT = Path(__file__).with_name("models") / "default"
ACTIVE_FILE = "ACTIVE"


@dataclass(frozen=True)
class Loaded:
    model: TopicModel
    metadata: Metadata
    path: Path


def default_dir(data_dir: Path | None = None) -> Path:
    """The package folder when it is writable (a checkout), else the data folder."""
    parent = PACKAGE_DEFAULT.parent
    if os.access(parent if parent.exists() else parent.parent, os.W_OK) or data_dir is None:
        return PACKAGE_DEFAULT
    return data_dir / "models" / "default"


def build_default(directory: Path | None = None) -> Path:
    """Train the default variant on the shipped data and save it (about half a minute)."""
    directory = directory or default_dir()
    examples = written_examples()
    cv = cross_validate(VARIANTS[DEFAULT_VARIANT], examples)
    model = fit(examples, cv)
    heldout = evaluate(model, heldout_examples())
    digest = data_hash(examples)
    metadata = Metadata(
        version=f"default-{digest[:8]}",
        taxonomy=taxonomy_id(),
        variant=model.variant,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data_hash=digest,
        examples={"written": len(examples)},
        thresholds=model.thresholds,
        metrics={"cv": cv.report.as_dict(), "heldout": heldout.as_dict()},
    )
    artefact.save(model, metadata, directory)
    log.info("built the default topic model %s in %s", metadata.version, directory)
    return directory


def default_is_current(directory: Path) -> bool:
    try:
        metadata = artefact.read_metadata(directory)
    except ModelError:
        return False
    return (
        metadata.taxonomy == taxonomy_id()
        and metadata.data_hash == data_hash(written_examples())
        and (directory / artefact.MODEL_FILE).is_file()
    )


def ensure_default(data_dir: Path | None = None) -> Path:
    directory = default_dir(data_dir)
    if not default_is_current(directory):
        log.info("the default topic model is missing or stale: building it")
        build_default(directory)
    return directory


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def active_dir(data_dir: Path) -> Path | None:
    """The folder of the activated retrained model, if any."""
    marker = models_dir(data_dir) / ACTIVE_FILE
    if not marker.is_file():
        return None
    version = marker.read_text(encoding="utf-8").strip()
    path = models_dir(data_dir) / version
    if not path.is_dir():
        raise ModelError(f"{marker}: names model {version!r}, but {path} does not exist")
    return path


def activate(data_dir: Path, version: str) -> None:
    marker = models_dir(data_dir) / ACTIVE_FILE
    marker.parent.mkdir(parents=True, exist_ok=True)
    temporary = marker.with_suffix(".tmp")
    temporary.write_text(version + "\n", encoding="utf-8")
    temporary.replace(marker)


def load_active(data_dir: Path) -> Loaded:
    """The active retrained model, else the default one (built if needed)."""
    path = active_dir(data_dir) or ensure_default(data_dir)
    model, metadata = artefact.load(path)
    return Loaded(model, metadata, path)
