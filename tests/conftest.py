"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL where asked)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.storage.db import make_engine, make_sessionmaker
from monitor.storage.migrate import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("MONITOR_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file, or a fresh schema on the local PostgreSQL.

    In CI (CI=true) a PostgreSQL that cannot be reached fails the test; on a developer's
    machine without one it is skipped.
    """
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url())
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {postgres_url()} is required in CI: {err}")
        pytest.skip(f"no PostgreSQL at {postgres_url()}: {err}")
    eng = make_engine(postgres_url(), connect_args={"options": f"-c search_path={schema}"})
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def sqlite_factory(tmp_path: Path) -> sessionmaker[Session]:
    """For tests that are about behaviour, not the backend: SQLite only, quicker."""
    eng = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    upgrade(eng)
    return make_sessionmaker(eng)
