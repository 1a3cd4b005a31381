"""The configuration files shipped in the repository load without a single issue."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import check_config, load_config

ROOT = Path(__file__).parents[2]
SHIPPED = [ROOT / "sources.yaml", *sorted((ROOT / "examples").glob("*.yaml"))]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_shipped_configuration_is_valid(path: Path) -> None:
    assert [str(issue) for issue in check_config(path)] == []

    config = load_config(path)
    assert len(config.localities) == 1
    kinds = {source.kind for source in config.sources}
    assert {"feed", "google_news"} <= kinds
    assert any(source.origin == "foreign" for source in config.sources)
    assert config.offices
    # Placeholder addresses only: real ones are filled in by each deployment.
    for office in config.offices:
        for address in (*office.emails, office.escalation_email or "x@example.org"):
            assert address.endswith("example.org"), address


def test_every_example_is_listed_in_the_configuration_docs() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for path in SHIPPED[1:]:
        assert f"examples/{path.name}" in docs, path.name


def test_ducpho_is_watched_with_its_new_wards() -> None:
    (locality,) = load_config(ROOT / "sources.yaml").localities
    assert (locality.id, locality.name, locality.province) == ("ducpho", "Đức Phổ", "Quảng Ngãi")
    assert {"Sa Huỳnh", "Trà Câu", "Mỹ Á"} <= set(locality.aliases)


def test_namesakes_are_excluded() -> None:
    van_ninh = load_config(ROOT / "examples" / "van-ninh.yaml").localities[0]
    assert "Móng Cái" in van_ninh.exclude
    bac_kan = load_config(ROOT / "examples" / "bac-kan.yaml").localities[0]
    assert bac_kan.province == "Thái Nguyên"
    assert "Bắc Cạn" in bac_kan.aliases
