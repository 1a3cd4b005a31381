"""Publishers the config does not list are domestic or foreign by their address."""

from __future__ import annotations

import pytest

from monitor.storage.repo import guess_origin


@pytest.mark.parametrize(
    ("outlet", "origin"),
    [
        ("tuoitre.vn", "domestic"),
        ("sggp.org.vn", "domestic"),
        ("vnexpress.net", "domestic"),
        ("e.vnexpress.net", "domestic"),  # VnExpress International
        ("baomoi.com", "domestic"),
        ("bbc.com", "foreign"),
        ("rfa.org", "foreign"),
        ("notvnexpress.net", "foreign"),
    ],
)
def test_vn_addresses_and_the_known_exceptions_are_domestic(outlet: str, origin: str) -> None:
    assert guess_origin(outlet) == origin
