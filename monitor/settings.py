"""Settings read from the environment: one registry, strict helpers, secrets from ``*_FILE``.

Everything that differs between deployments (database, mail server, secrets) lives here rather than
in sources.yaml, which officers edit and may share. ``SETTINGS`` is the single list of what exists;
docs/settings.md documents each entry and a test fails when one is missing there.

Secrets may be given as ``NAME_FILE`` pointing to a file holding the value (Docker and systemd
credentials), so they never have to appear in a process listing or a shell history.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment variable the service reads."""

    name: str
    default: str | None
    help: str
    secret: bool = False
    choices: tuple[str, ...] = ()  # when set, any other value is refused


class SettingsError(Exception):
    """A setting has a value the service cannot use; the message names the variable."""


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SMTP_TLS_MODES = ("none", "starttls", "ssl")
_SMTP_DEFAULT_PORT = {"none": 25, "starttls": 587, "ssl": 465}

SETTINGS: list[Setting] = [
    Setting("MONITOR_CONFIG", "sources.yaml", "Path of the sources/localities/offices file."),
    Setting(
        "MONITOR_DATABASE_URL",
        None,
        "SQLAlchemy database URL; unset means a SQLite file monitor.db in MONITOR_DATA_DIR.",
    ),
    Setting("MONITOR_DATA_DIR", "data", "Folder for the SQLite database and other local state."),
    Setting("MONITOR_LOG_LEVEL", "INFO", "Logging threshold.", choices=LOG_LEVELS),
    Setting("MONITOR_SMTP_HOST", None, "Mail server that sends alerts; unset disables email."),
    Setting("MONITOR_SMTP_PORT", None, "Mail server port; unset means 587, 465 or 25 by TLS mode."),
    Setting("MONITOR_SMTP_USER", None, "User name for the mail server, if it needs one."),
    Setting("MONITOR_SMTP_PASSWORD", None, "Password for the mail server.", secret=True),
    Setting("MONITOR_SMTP_FROM", None, "Sender address of alert emails."),
    Setting(
        "MONITOR_SMTP_TLS",
        "starttls",
        "How to encrypt the mail connection.",
        choices=SMTP_TLS_MODES,
    ),
    Setting(
        "MONITOR_SECRET_KEY",
        None,
        "Signs web UI sessions and acknowledgement links; unset means a random key kept in "
        "MONITOR_DATA_DIR.",
        secret=True,
    ),
    Setting(
        "MONITOR_PUBLIC_URL",
        "http://localhost:8080",
        "Address officers reach the service at; acknowledgement links in emails start with it.",
    ),
    Setting(
        "MONITOR_WEB_LISTEN",
        "127.0.0.1:8080",
        "HOST:PORT where `monitor run` serves acknowledgement links (and later the review "
        "desk); off disables it.",
    ),
    Setting(
        "MONITOR_TEST_POSTGRES_URL",
        None,
        "Tests only: PostgreSQL URL for the postgres-marked tests.",
    ),
]

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def setting(name: str) -> Setting:
    """Return the registry entry for ``name``; an unknown name is a programming error."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"{name} is not a registered setting (see monitor.settings.SETTINGS)"
        ) from None


def get(name: str) -> str | None:
    """Return setting ``name``: the environment, then ``NAME_FILE`` for secrets, then the default.

    An empty variable counts as unset, because ``VAR=`` lines in env files are usually leftovers.
    """
    entry = setting(name)
    value = os.environ.get(name) or None
    if entry.secret:
        file_variable = f"{name}_FILE"
        file_path = os.environ.get(file_variable) or None
        if file_path is not None:
            if value is not None:
                raise SettingsError(f"set either {name} or {file_variable}, not both")
            value = _read_secret_file(file_variable, file_path)
    if value is None:
        return entry.default
    if entry.choices:
        return _choice(entry, value)
    return value


def _read_secret_file(variable: str, file_path: str) -> str:
    try:
        return Path(file_path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SettingsError(f"{variable} names {file_path}, which does not exist") from None
    except OSError as exc:
        raise SettingsError(
            f"{variable} names {file_path}, which cannot be read ({exc.strerror})"
        ) from None


def _choice(entry: Setting, value: str) -> str:
    for choice in entry.choices:
        if value.strip().lower() == choice.lower():
            return choice
    expected = ", ".join(entry.choices)
    raise SettingsError(f"{entry.name} must be one of: {expected} (got {value!r})")


def get_int(name: str) -> int | None:
    """Return setting ``name`` as an integer, refusing anything that is not one."""
    value = get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number (got {value!r})") from None


def config_path() -> Path:
    """Return the path of sources.yaml (MONITOR_CONFIG)."""
    return Path(get("MONITOR_CONFIG") or "sources.yaml")


def data_dir() -> Path:
    """Return the local state folder (MONITOR_DATA_DIR), without creating it."""
    return Path(get("MONITOR_DATA_DIR") or "data")


def database_url() -> str:
    """Return the database URL, creating the data folder when the SQLite default is used."""
    url = get("MONITOR_DATABASE_URL")
    if url is not None:
        return url
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"MONITOR_DATA_DIR is {folder}, which cannot be created ({exc.strerror})"
        ) from None
    # Absolute, so a later chdir (daemons, tests) cannot move the database.
    return f"sqlite:///{(folder / 'monitor.db').resolve().as_posix()}"


def smtp_port() -> int:
    """Return MONITOR_SMTP_PORT, or the usual port for MONITOR_SMTP_TLS when unset."""
    port = get_int("MONITOR_SMTP_PORT")
    if port is None:
        return _SMTP_DEFAULT_PORT[get("MONITOR_SMTP_TLS") or "starttls"]
    if not 0 < port < 65536:
        raise SettingsError(f"MONITOR_SMTP_PORT must be between 1 and 65535 (got {port})")
    return port
