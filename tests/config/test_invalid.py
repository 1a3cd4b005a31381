"""Every broken file under fixtures/config/invalid yields exactly the issues its comments expect.

A comment ``# expect: MESSAGE`` on a line means the loader must report ``FILE:LINE: MESSAGE`` for
that line. Keeping the expectation beside the mistake makes the line numbers self-evident.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config import ConfigError, check_config, load_config

INVALID = Path(__file__).parents[1] / "fixtures" / "config" / "invalid"
_EXPECT = re.compile(r"#\s*expect:\s*(.+?)\s*$")


def expected_issues(path: Path) -> list[str]:
    expected = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            expected.append(f"{path}:{number}: {match.group(1)}")
    return expected


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.name)
def test_invalid_file_reports_expected_issues(path: Path) -> None:
    expected = expected_issues(path)
    assert expected, f"{path.name} has no '# expect:' comment"

    assert [str(issue) for issue in check_config(path)] == expected

    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert [str(issue) for issue in raised.value.issues] == expected
