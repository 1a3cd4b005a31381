"""Fixtures for the alert tests: the real SMTP servers of tests/alerts/smtp.py."""

from __future__ import annotations

import pytest

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
