"""`monitor train`: the shipped data plus officers' decisions, a new model, and the gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from classifiers import artefact
from classifiers.artefact import Metadata
from classifiers.data import Example, data_hash, dedupe, heldout_examples, written_examples
from classifiers.metrics import format_report
from classifiers.model import VARIANTS
from classifiers.store import activate, load_active, models_dir
from classifiers.taxonomy import LABEL_IDS, TONES, taxonomy_id
from classifiers.train import DEFAULT_VARIANT, compare, cross_validate, evaluate, fit, gate
from monitor.storage.models import Classification, Decision, Item
from monitor.topics.stage import text_of


@dataclass(frozen=True)
class Outcome:
    version: str
    activated: bool
    reason: str
    path: Path


def decision_examples(session: Session) -> list[Example]:
    """The latest decision per item as a labelled example (its tone, else the model's)."""
    rows = session.execute(
        select(Decision, Item, Classification)
        .join(Item, Item.id == Decision.item_id)
        .outerjoin(Classification, Classification.id == Decision.classification_id)
        .order_by(Decision.decided_at, Decision.id)
    ).all()
    latest: dict[int, Example] = {}
    for decision, item, classification in rows:
        tone = decision.tone or (classification.tone if classification else None) or "neutral"
        labels = frozenset(t for t in decision.topics if t in LABEL_IDS)
        latest[item.id] = Example(
            id=f"decision-{decision.id}",
            text=text_of(item),
            labels=labels if decision.verdict != "dismissed" else frozenset(),
            tone=tone if tone in TONES else "neutral",
            origin="decision",
        )
    return list(latest.values())


def retrain(
    factory: sessionmaker[Session],
    data_dir: Path,
    *,
    compare_variants: bool = True,
    echo: Callable[[str], None] = print,
    now: datetime | None = None,
) -> Outcome:
    with factory() as session:
        decisions = decision_examples(session)
    written = written_examples()
    examples = dedupe([*written, *decisions])
    echo(f"training on {len(written)} written examples and {len(decisions)} decisions")
    if compare_variants:
        results = compare(examples)
        for r in results:
            echo(f"  cross-validated macro-F1 {r.report.macro_f1:.3f}  {r.variant.name}")
        best = results[0]
    else:
        results = [cross_validate(VARIANTS[DEFAULT_VARIANT], examples)]
        best = results[0]
    model = fit(examples, best)
    heldout = heldout_examples()
    candidate = evaluate(model, heldout)
    echo(format_report(candidate, "new model on the held-out split", model.thresholds))
    active = load_active(data_dir)
    current = evaluate(active.model, heldout)
    verdict = gate(candidate, current)
    digest = data_hash(examples)
    version = artefact.new_version(digest, now)
    metadata = Metadata(
        version=version,
        taxonomy=taxonomy_id(),
        variant=model.variant,
        created_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        data_hash=digest,
        examples={"written": len(written), "decision": len(decisions)},
        thresholds=model.thresholds,
        metrics={
            "cv": best.report.as_dict(),
            "heldout": candidate.as_dict(),
            "variants": {r.variant.name: r.report.macro_f1 for r in results},
            "gate": {"passed": verdict.passed, "reason": verdict.reason},
        },
    )
    path = artefact.save(model, metadata, models_dir(data_dir) / version)
    if verdict.passed:
        activate(data_dir, version)
        echo(f"model {version} is now active: {verdict.reason}")
    else:
        echo(f"model {version} kept but NOT activated: {verdict.reason}")
    return Outcome(version, verdict.passed, verdict.reason, path)
