"""`monitor classify` keeps its contract; `monitor train` learns from decisions behind a gate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from classifiers import artefact
from classifiers.store import active_dir
from monitor.cli import cli
from monitor.storage.db import transaction
from monitor.storage.migrate import upgrade
from monitor.storage.models import Decision, Item, Source
from monitor.topics.training import decision_examples, retrain


def test_classify_writes_one_contract_line_per_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    lines = [
        {
            "id": 1,
            "title": "Tàu lạ xua đuổi ngư dân",
            "text": "Gần quần đảo Hoàng Sa của Việt Nam.",
        },
        {"id": "b", "text": "Giá vàng hôm nay tăng nhẹ."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "none.yaml"), "classify", "--input", str(source)]
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b"]
    first = out[0]
    assert set(first) == {"id", "topics", "scores", "tone", "explain"}
    assert set(first["scores"]) == {"sovereignty", "human_rights", "distortion"}
    assert "sovereignty" in first["topics"]
    assert first["tone"] in {"positive", "neutral", "negative"}
    text = f"{lines[0]['title']}\n{lines[0]['text']}"
    for surface, start, end in first["explain"]["sovereignty"]:
        assert text[start:end] == surface
    assert out[1]["topics"] == [] and out[1]["explain"] == {}


def test_classify_names_the_line_that_is_not_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "x"}\nnot json\n', "utf-8")
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "none.yaml"), "classify", "--input", str(source)]
    )
    assert result.exit_code == 1
    assert f"{source}:2: not a JSON object" in result.stderr


def test_training_learns_from_decisions_and_activates_only_past_the_gate(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    now = datetime(2026, 11, 22, tzinfo=UTC)
    with transaction(factory) as session:
        session.add(Source(id="s", kind="feed", url="https://x.vn/rss", name="x", error_count=0))
        session.flush()
        item = Item(
            url="https://x.vn/1",
            original_url="https://x.vn/1",
            source_id="s",
            title="Đá Ba Đầu: tàu lạ neo đậu trái phép",
            published_at=now,
            first_seen_at=now,
            content_hash="1",
        )
        session.add(item)
        session.flush()
        session.add_all(
            [
                Decision(item_id=item.id, verdict="dismissed", topics=[], decided_by="a"),
                Decision(
                    item_id=item.id,
                    verdict="corrected",
                    topics=["sovereignty"],
                    tone="negative",
                    decided_by="b",
                ),
            ]
        )
    with factory() as session:
        (example,) = decision_examples(session)  # the latest decision per item
    assert example.labels == frozenset({"sovereignty"}) and example.tone == "negative"

    outcome = retrain(factory, tmp_path, compare_variants=False, echo=lambda _: None)
    _, metadata = artefact.load(outcome.path)
    assert metadata.examples["decision"] == 1
    assert metadata.metrics["gate"]["passed"] == outcome.activated
    if outcome.activated:
        assert active_dir(tmp_path) == outcome.path
    else:
        assert active_dir(tmp_path) is None
