"""Showing and reading times: stored in UTC, shown in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_RELATIVE = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def show(dt: datetime | None) -> str:
    """``22/11/2026 19:05`` in Vietnam time, the way officers write dates; ``—`` for none."""
    return dt.astimezone(LOCAL_ZONE).strftime("%d/%m/%Y %H:%M") if dt else "—"


def iso_local(dt: datetime | None) -> str | None:
    return dt.astimezone(LOCAL_ZONE).isoformat() if dt else None


def ago(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return "never"
    seconds = int((now - dt).total_seconds())
    if seconds < 0:
        return f"in {_span(-seconds)}"
    return f"{_span(seconds)} ago"


def _span(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """Read ``24h``, ``7d``, ``30m``, ``2026-11-01`` or an ISO time (Vietnam time when no zone)."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).lower()])
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f'cannot read "{text}" as a time: use 24h, 7d, 2026-11-01 or 2026-11-01T08:00'
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_ZONE)
    return value.astimezone(UTC)
