"""Golden files: every fixture payload, parsed, must still give its recorded result.

Each fixture ``X.xml`` / ``X.json`` / ``X.html`` in tests/fixtures/feeds and tests/fixtures/pages
has ``X.expected.json`` beside it: an ``input`` block (source kind, the URL it was fetched from,
Content-Type, selectors) and the ``output`` recorded from a run that was checked by eye.
Regenerate the outputs after an intended change with ``UPDATE_GOLDEN=1 .venv/bin/pytest
tests/parsing/test_golden.py`` and review the diff before committing.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from monitor.config.models import HtmlSelectors, Source
from monitor.crawl.extract import extract_article_details
from monitor.sources import parse_payload
from monitor.sources.base import ParsedItem, ParseError, ParseResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PAYLOAD_SUFFIXES = {".xml", ".json", ".html", ".rss", ".atom"}
ITEMS_RECORDED = 3
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _payloads() -> list[Path]:
    found = []
    for folder in ("feeds", "pages"):
        for path in sorted((FIXTURES / folder).iterdir()):
            if path.suffix in PAYLOAD_SUFFIXES and not path.name.endswith(".expected.json"):
                found.append(path)
    return found


def _expected_path(payload: Path) -> Path:
    return payload.with_name(payload.stem + ".expected.json")


def _item_record(item: ParsedItem) -> dict[str, Any]:
    return {
        "url": item.url,
        "title": item.title,
        "published": item.published.isoformat() if item.published else None,
        "published_offset_minutes": item.published_offset_minutes,
        "author": item.author,
        "outlet_name": item.outlet_name,
        "outlet_url": item.outlet_url,
        "language": item.language,
        "summary_start": item.summary[:100],
        "content_chars": len(item.content) if item.content is not None else None,
    }


def _result_record(result: ParseResult) -> dict[str, Any]:
    return {
        "count": len(result.items),
        "title": result.title,
        "language": result.language,
        "warnings": result.warnings,
        "items": [_item_record(item) for item in result.items[:ITEMS_RECORDED]],
    }


def _run(payload: Path, spec: dict[str, Any]) -> tuple[dict[str, Any], ParseResult | None]:
    content = payload.read_bytes()
    kind = spec.get("kind", "feed")
    if kind == "article":
        article = extract_article_details(
            content,
            url=spec["base_url"],
            selector=spec.get("selector"),
            content_type=spec.get("content_type"),
        )
        if article is None:
            return {"article": None}, None
        return {
            "article": {
                "text_start": article.text[:160],
                "text_end": article.text[-120:],
                "chars": len(article.text),
                "published": article.published.isoformat() if article.published else None,
                "published_offset_minutes": article.published_offset_minutes,
            }
        }, None
    selectors = spec.get("selectors")
    source = Source(
        id=payload.stem,
        kind=kind,
        url=spec["base_url"],
        name=payload.stem,
        language=spec.get("language", "vi"),
        selectors=HtmlSelectors(**selectors) if selectors else None,
    )
    try:
        result = parse_payload(
            source, content, base_url=spec["base_url"], content_type=spec.get("content_type")
        )
    except ParseError as err:
        return {"error": err.user_message}, None
    return _result_record(result), result


@pytest.mark.parametrize("payload", _payloads(), ids=lambda path: path.name)
def test_fixture_parses_to_its_golden_output(payload: Path) -> None:
    expected_path = _expected_path(payload)
    assert expected_path.exists(), f"{expected_path.name} is missing: write its input block first"
    golden = json.loads(expected_path.read_text("utf-8"))
    output, result = _run(payload, golden["input"])
    if UPDATE:
        golden["output"] = output
        expected_path.write_text(json.dumps(golden, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert output == golden.get("output")
    if result is not None:
        _assert_clean(result)


def _assert_clean(result: ParseResult) -> None:
    """What must hold for every item of every fixture, not only the recorded ones."""
    for item in result.items:
        assert item.url.startswith(("http://", "https://")), item.url
        for text in (item.title, item.summary, item.summary_html, item.content or ""):
            assert unicodedata.is_normalized("NFC", text)
        lowered = item.summary_html.casefold()
        assert "<script" not in lowered and "javascript:" not in lowered
        assert " on" + "error=" not in lowered and " onclick=" not in lowered
        assert "<" not in item.title or "< " in item.title
        if item.published is not None:
            assert item.published.tzinfo is not None
