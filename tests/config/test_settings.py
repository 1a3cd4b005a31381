"""Environment settings: defaults, secrets from *_FILE, strict values, and docs for every one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor import settings
from monitor.settings import SETTINGS, SettingsError

ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
        monkeypatch.delenv(f"{setting.name}_FILE", raising=False)


def test_every_setting_is_documented() -> None:
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in docs]
    assert missing == [], f"document these in docs/settings.md: {missing}"
    for setting in SETTINGS:
        if setting.secret:
            assert f"`{setting.name}_FILE`" in docs, setting.name


def test_docs_mention_no_setting_that_does_not_exist() -> None:
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    names = {s.name for s in SETTINGS} | {f"{s.name}_FILE" for s in SETTINGS if s.secret}
    mentioned = set(re.findall(r"\bMONITOR_[A-Z_]+[A-Z]\b", docs))
    assert mentioned - names == set()


def test_defaults() -> None:
    assert settings.get("MONITOR_CONFIG") == "sources.yaml"
    assert settings.get("MONITOR_DATA_DIR") == "data"
    assert settings.get("MONITOR_LOG_LEVEL") == "INFO"
    assert settings.get("MONITOR_SMTP_TLS") == "starttls"
    assert settings.get("MONITOR_SMTP_HOST") is None
    assert settings.config_path() == Path("sources.yaml")


def test_environment_overrides_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", "/etc/monitor/ducpho.yaml")
    assert settings.config_path() == Path("/etc/monitor/ducpho.yaml")


def test_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", "")
    assert settings.get("MONITOR_CONFIG") == "sources.yaml"


def test_unknown_setting_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="MONITOR_NOPE"):
        settings.get("MONITOR_NOPE")


def test_database_url_defaults_to_sqlite_in_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "state" / "data"
    monkeypatch.setenv("MONITOR_DATA_DIR", str(data))

    url = settings.database_url()

    assert url == f"sqlite:///{(data / 'monitor.db').resolve().as_posix()}"
    assert data.is_dir()


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "unused"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql+psycopg://monitor@db/monitor")
    assert settings.database_url() == "postgresql+psycopg://monitor@db/monitor"
    assert not (tmp_path / "unused").exists()


def test_secret_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "smtp_password"
    secret.write_text("s3cret pass\n", encoding="utf-8")
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD_FILE", str(secret))

    assert settings.get("MONITOR_SMTP_PASSWORD") == "s3cret pass"


def test_secret_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_SECRET_KEY", "k")
    assert settings.get("MONITOR_SECRET_KEY") == "k"


def test_missing_secret_file_names_variable_and_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nope"
    monkeypatch.setenv("MONITOR_SECRET_KEY_FILE", str(missing))

    with pytest.raises(SettingsError) as raised:
        settings.get("MONITOR_SECRET_KEY")
    assert str(raised.value) == f"MONITOR_SECRET_KEY_FILE names {missing}, which does not exist"


def test_secret_given_twice_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a", encoding="utf-8")
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "b")
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD_FILE", str(secret))

    with pytest.raises(
        SettingsError, match="either MONITOR_SMTP_PASSWORD or MONITOR_SMTP_PASSWORD_FILE"
    ):
        settings.get("MONITOR_SMTP_PASSWORD")


def test_file_variant_only_for_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "host"
    path.write_text("smtp.example.org", encoding="utf-8")
    monkeypatch.setenv("MONITOR_SMTP_HOST_FILE", str(path))
    assert settings.get("MONITOR_SMTP_HOST") is None


def test_choices_are_strict_and_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_SMTP_TLS", "SSL")
    assert settings.get("MONITOR_SMTP_TLS") == "ssl"
    monkeypatch.setenv("MONITOR_LOG_LEVEL", "debug")
    assert settings.get("MONITOR_LOG_LEVEL") == "DEBUG"
    monkeypatch.setenv("MONITOR_SMTP_TLS", "tls")
    with pytest.raises(SettingsError, match="MONITOR_SMTP_TLS must be one of: none, starttls, ssl"):
        settings.get("MONITOR_SMTP_TLS")


def test_smtp_port(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.smtp_port() == 587
    monkeypatch.setenv("MONITOR_SMTP_TLS", "ssl")
    assert settings.smtp_port() == 465
    monkeypatch.setenv("MONITOR_SMTP_PORT", "2525")
    assert settings.smtp_port() == 2525
    monkeypatch.setenv("MONITOR_SMTP_PORT", "twenty")
    with pytest.raises(SettingsError, match="MONITOR_SMTP_PORT must be a whole number"):
        settings.smtp_port()
