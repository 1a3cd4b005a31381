"""The `monitor` command as an officer uses it: check, crawl, see sources and items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.storage.migrate import head_revision
from tests.conftest import FIXTURES
from tests.servers import Routes, file, send, serve, status


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Routes]]:
    """A config with one good and one failing source, served locally, and an empty database."""
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    routes = Routes()
    routes["/vnexpress.rss"] = file(FIXTURES / "feeds" / "vnexpress_thoi-su_2017-03-25.xml")
    routes["/broken.rss"] = status(500)
    with serve(routes) as base:
        config = tmp_path / "sources.yaml"
        config.write_text(
            "localities:\n"
            "  - {id: ducpho, name: Đức Phổ, province: Quảng Ngãi}\n"
            "sources:\n"
            f"  - {{id: vnexpress, kind: feed, url: '{base}/vnexpress.rss', name: VnExpress,"
            " allow_private: true, robots: false, fetch_articles: false}\n"
            f"  - {{id: broken, kind: feed, url: '{base}/broken.rss', allow_private: true,"
            " robots: false}\n",
            encoding="utf-8",
        )
        yield config, routes


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_config_lists_every_error_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text(
        "sources:\n"
        "  - id: baoquangngai\n"
        "    kind: rsss\n"
        "    url: https://baoquangngai.vn/rss\n"
        "  - {id: vne, kind: feed, url: https://vnexpress.net/rss/thoi-su.rss, interval: soon}\n",
        encoding="utf-8",
    )
    code, _, err = run(bad, "check-config")
    assert code == 1
    assert f'{bad}:3: source "baoquangngai": unknown kind "rsss"' in err
    assert f"{bad}:5:" in err and "interval" in err


def test_check_config_accepts_the_shipped_file() -> None:
    code, out, _ = run(Path("sources.yaml"), "check-config")
    assert code == 0
    assert "OK" in out


def test_crawl_then_sources_and_items(env: tuple[Path, Routes]) -> None:
    config, _ = env
    code, out, _ = run(config, "crawl", "--once")
    assert code == 0
    assert "vnexpress: 25 items, 25 new" in out
    assert "broken: error — the server answered 500 Internal Server Error" in out

    code, out, _ = run(config, "sources")
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert " ok " in lines["vnexpress"] and " 25 " in lines["vnexpress"]
    assert "error" in lines["broken"] and "500 Internal Server Error" in lines["broken"]

    code, out, _ = run(config, "items", "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 25
    first = records[0]
    assert {"id", "url", "title", "source", "published", "first_seen"} <= set(first)
    assert first["source"] == "vnexpress" and first["outlet"] == "VnExpress"
    assert first["published"].endswith("+07:00")  # shown in Vietnam time

    word = records[3]["title"].split()[0]
    code, out, _ = run(config, "items", "--json", "--search", word)
    assert any(json.loads(line)["id"] == records[3]["id"] for line in out.splitlines())

    code, out, _ = run(config, "items", "--source", "broken", "--json")
    assert out == ""

    code, _, err = run(config, "items", "--since", "yesterday-ish")
    assert code == 2 and "24h" in err

    code, out, _ = run(config, "crawl", "--once", "--source", "vnexpress")
    assert "vnexpress: 25 items, 0 new" in out


def test_crawl_names_an_unknown_source(env: tuple[Path, Routes]) -> None:
    config, _ = env
    code, _, err = run(config, "crawl", "--once", "--source", "nope")
    assert code == 2
    assert 'no source "nope"' in err and "vnexpress" in err


def test_db_upgrade_reports_the_revision(env: tuple[Path, Routes]) -> None:
    config, _ = env
    code, out, _ = run(config, "db", "upgrade")
    assert code == 0 and f"revision {head_revision()}" in out


def test_match_contract_and_items_show_localities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Thị xã Đức Phổ chủ động ứng phó bão số 13</title>"
        "<link>https://baoquangngai.vn/a.htm</link><description>Ngư dân Sa Huỳnh đưa tàu vào bờ."
        "</description></item>"
        "<item><title>Giá vàng hôm nay</title><link>https://baoquangngai.vn/b.htm</link>"
        "<description>Không có địa danh.</description></item></channel></rss>"
    ).encode()
    routes = Routes()
    routes["/feed.rss"] = lambda h: send(h, 200, feed, "application/rss+xml")
    with serve(routes) as base:
        config = tmp_path / "sources.yaml"
        config.write_text(
            "localities:\n"
            "  - {id: L3, name: Đức Phổ, province: Quảng Ngãi}\n"
            "sources:\n"
            f"  - {{id: bqn, kind: feed, url: '{base}/feed.rss', allow_private: true,"
            " robots: false, fetch_articles: false}\n",
            encoding="utf-8",
        )
        code, _, _ = run(config, "crawl", "--once")
        assert code == 0
        code, out, _ = run(config, "items", "--json")
    records = {r["title"]: r for r in map(json.loads, out.splitlines())}
    assert records["Thị xã Đức Phổ chủ động ứng phó bão số 13"]["localities"] == ["L3"]
    assert records["Thị xã Đức Phổ chủ động ứng phó bão số 13"]["relevance"] == "strong"
    assert records["Giá vàng hôm nay"]["localities"] == []
    assert records["Giá vàng hôm nay"]["relevance"] == "none"

    lines = tmp_path / "in.jsonl"
    lines.write_text(
        json.dumps(
            {"id": 1, "title": "Bão vào Quảng Ngãi", "text": "TX. Đức Phổ sơ tán dân"},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    # The stable contract puts --config after the subcommand.
    result_ = CliRunner().invoke(cli, ["match", "--config", str(config), "--input", str(lines)])
    code, out = result_.exit_code, result_.stdout
    result = json.loads(out)
    assert code == 0 and result["id"] == 1 and result["localities"] == ["L3"]
    text = "Bão vào Quảng Ngãi\nTX. Đức Phổ sơ tán dân"
    for mention in result["mentions"]:
        assert text[mention["start"] : mention["end"]] == mention["surface"]
