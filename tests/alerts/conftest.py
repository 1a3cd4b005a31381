"""Fixtures for the alert tests: the real SMTP servers of tests/alerts/smtp.py, the topic model."""

from __future__ import annotations

import pytest

from classifiers.store import Loaded, load_active
from monitor.topics.stage import TopicClassifier, rules_of
from tests.alerts.smtp import (
    smtp_ca,
    smtp_server,
    smtp_server_factory,
    smtp_ssl_server,
    smtp_tls_server,
)

__all__ = ["smtp_ca", "smtp_server", "smtp_server_factory", "smtp_ssl_server", "smtp_tls_server"]


def pytest_configure(config: pytest.Config) -> None:
    # aiosmtpd counts only STARTTLS as TLS, so the implicit-TLS server that requires a login
    # warns about logins in clear text; its sessions are encrypted from the first byte.
    config.addinivalue_line(
        "filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning"
    )


@pytest.fixture(scope="session")
def topic_model(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """The default topic model (`make model`), read once: reading it takes seconds.

    An empty data folder has no retrained model, so this is the shipped default, as on a
    fresh install.
    """
    return load_active(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def classifier(topic_model: Loaded) -> TopicClassifier:
    """The default model without keyword rules (a test with rules builds its own)."""
    return TopicClassifier(topic_model.model, topic_model.metadata.version, rules_of(None))
