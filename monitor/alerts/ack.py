"""Acknowledging an urgent alert from the email itself, through a signed link.

The link carries the alert id and an HMAC of it, so it needs no login and cannot be forged
for another alert. The key is MONITOR_SECRET_KEY, or a random key kept in the data folder so
links keep working across restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor import settings
from monitor.storage.models import Alert

KEY_FILE = "secret_key"


def secret_key(data_dir: Path | None = None) -> bytes:
    configured = settings.get("MONITOR_SECRET_KEY")
    if configured:
        return configured.encode("utf-8")
    path = (data_dir or settings.data_dir()) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def token(alert_id: int, key: bytes) -> str:
    return hmac.new(key, f"ack:{alert_id}".encode(), hashlib.sha256).hexdigest()[:32]


def verify(alert_id: int, given: str, key: bytes) -> bool:
    """Whether ``given`` is the token of ``alert_id``; anything else (any length, any
    characters) is simply not."""
    return hmac.compare_digest(
        token(alert_id, key).encode(), given.strip().lower().encode("utf-8", "replace")
    )


def ack_url(alert_id: int, key: bytes) -> str:
    base = (settings.get("MONITOR_PUBLIC_URL") or "http://localhost:8080").rstrip("/")
    return f"{base}/ack/{alert_id}/{token(alert_id, key)}"


def acknowledge(session: Session, alert_id: int, now: datetime) -> bool:
    """Mark the alert acknowledged, with the alert an escalation was about or the alerts a
    summary folded; False if unknown."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        return False
    ids = [alert.id] + ([alert.parent_id] if alert.kind == "escalation" and alert.parent_id else [])
    if alert.kind == "summary":
        ids += session.scalars(select(Alert.id).where(Alert.parent_id == alert.id)).all()
    session.execute(
        update(Alert)
        .where(Alert.id.in_(ids), Alert.acked_at.is_(None))
        .values(acked_at=now)
        .execution_options(synchronize_session=False)
    )
    return True
