"""The dispatcher: claim due outbox rows with a lease, send them, record every attempt.

Delivery is at-least-once with a stable identity: a row is claimed by an atomic UPDATE (with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so dispatchers on several machines never take the
same row), sent, then marked sent. A dispatcher that dies between claim and mark leaves the row
to be claimed again once its lease runs out; the resend carries the same Message-ID, derived
from the alert id, so the receiving side can tell it is the same message. Failures back off
exponentially with jitter; after ``max_attempts`` (or a permanent refusal) the row is dead and
shown as such by ``monitor alerts --status dead``.

Before claiming, a planning step applies each office's quiet hours (normal alerts wait, urgent
ones go) and rate limit (the excess of a burst is folded into one summary message).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.views import OutgoingMessage
from monitor.config.models import Config, Office
from monitor.storage.db import transaction
from monitor.storage.models import Alert, Delivery, utcnow
from monitor.timefmt import LOCAL_ZONE

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 200  # rows claimed per pass
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
RATE_WINDOW = timedelta(hours=1)
# Kinds the rate limit and quiet hours apply to; digests, escalations and tests always go.
ROUTINE = ("alert", "update")


class Channel(Protocol):
    """Anything that can deliver a message (see monitor.alerts.channels)."""

    async def deliver(self, message: OutgoingMessage) -> str: ...


class Composer(Protocol):
    def __call__(self, session: Session, alert: Alert) -> OutgoingMessage: ...


class PermanentFailure(Exception):
    """The row can never be sent (its office is gone from the configuration, say)."""


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    summarised: int = 0
    held: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Dispatcher:
    factory: sessionmaker[Session]
    config: Config
    channels: Mapping[str, Channel]  # "email" → SMTP or .eml folder, "webhook" → HTTP
    compose: Composer
    worker: str
    clock: Callable[[], datetime] = utcnow
    lease: timedelta = LEASE
    max_attempts: int = MAX_ATTEMPTS
    rng: random.Random = field(default_factory=random.Random)
    # Called between claim and send; tests use it to kill the process at the worst moment.
    after_claim: Callable[[list[int]], Awaitable[None] | None] | None = None

    async def run_once(self, limit: int = BATCH) -> DispatchResult:
        """One pass: plan, claim up to ``limit`` due rows, send each, record each outcome."""
        result = DispatchResult()
        now = self.clock()
        with transaction(self.factory) as session:
            result.held, result.summarised = plan(session, self.config, now)
        ids = self.claim(now, limit)
        result.claimed = len(ids)
        if self.after_claim is not None and ids:
            waited = self.after_claim(ids)
            if waited is not None:
                await waited
        for alert_id in ids:
            await self._send(alert_id, result)
        return result

    async def run_only(self, alert_id: int) -> DispatchResult:
        """Send one row now if it is pending, whatever else is due (`monitor alerts test`)."""
        result = DispatchResult()
        now = self.clock()
        with transaction(self.factory) as session:
            claimed = session.execute(
                update(Alert)
                .where(Alert.id == alert_id, Alert.status == "pending")
                .values(
                    status="sending",
                    lease_owner=self.worker,
                    lease_expires_at=now + self.lease,
                    attempts=Alert.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            result.claimed = int(claimed.rowcount or 0)  # type: ignore[attr-defined]
        if result.claimed:
            await self._send(alert_id, result)
        return result

    def claim(self, now: datetime, limit: int) -> list[int]:
        """Take due rows (and rows whose lease ran out) for this worker, atomically."""
        due = (
            select(Alert.id)
            .where(
                or_(
                    (Alert.status == "pending") & (Alert.next_attempt_at <= now),
                    (Alert.status == "sending") & (Alert.lease_expires_at < now),
                )
            )
            .order_by(Alert.next_attempt_at, Alert.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with transaction(self.factory) as session:
            claimed = session.scalars(
                update(Alert)
                .where(Alert.id.in_(due))
                .values(
                    status="sending",
                    lease_owner=self.worker,
                    lease_expires_at=now + self.lease,
                    attempts=Alert.attempts + 1,
                )
                .returning(Alert.id)
                .execution_options(synchronize_session=False)
            ).all()
        return sorted(claimed)

    async def _send(self, alert_id: int, result: DispatchResult) -> None:
        started = self.clock()
        with self.factory() as session:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.lease_owner != self.worker:
                return
            try:
                message = self.compose(session, alert)
            except PermanentFailure as err:
                self._finish(alert_id, started, "", None, str(err), permanent=True, result=result)
                return
            channel = self.channels.get(alert.channel)
            if channel is None:
                self._finish(
                    alert_id,
                    started,
                    alert.channel,
                    None,
                    f'no channel "{alert.channel}" is configured',
                    permanent=True,
                    result=result,
                )
                return
        try:
            receipt = await channel.deliver(message)
        except Exception as err:  # a channel's failure must never stop the dispatcher
            permanent = bool(getattr(err, "permanent", False))
            self._finish(alert_id, started, alert.channel, None, _describe(err), permanent, result)
            return
        self._finish(
            alert_id, started, alert.channel, receipt, None, False, result, message.message_id
        )

    def _finish(
        self,
        alert_id: int,
        started: datetime,
        channel: str,
        receipt: str | None,
        error: str | None,
        permanent: bool,
        result: DispatchResult,
        message_id: str | None = None,
    ) -> None:
        now = self.clock()
        with transaction(self.factory) as session:
            alert = session.get(Alert, alert_id)
            if alert is None:
                return
            session.add(
                Delivery(
                    alert_id=alert_id,
                    attempt=alert.attempts,
                    channel=channel or alert.channel,
                    worker=self.worker,
                    started_at=started,
                    finished_at=now,
                    outcome="sent" if error is None else "failed",
                    receipt=receipt,
                    error=error,
                )
            )
            if alert.lease_owner != self.worker:
                return  # another dispatcher took it over after our lease ran out
            alert.lease_owner = None
            alert.lease_expires_at = None
            if error is None:
                alert.status, alert.sent_at, alert.message_id = "sent", now, message_id
                alert.last_error = None
                result.sent += 1
                return
            alert.last_error = error
            if permanent or alert.attempts >= self.max_attempts:
                alert.status = "dead"
                result.dead += 1
                result.errors.append(f"alert {alert_id}: {error} (dead)")
                log.error("alert %s is dead after %d attempts: %s", alert_id, alert.attempts, error)
            else:
                alert.status = "pending"
                alert.next_attempt_at = now + backoff(alert.attempts, self.rng)
                result.retried += 1
                result.errors.append(f"alert {alert_id}: {error} (will retry)")
                log.warning("alert %s: attempt %d failed: %s", alert_id, alert.attempts, error)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: half to all of base·2^(n-1), capped."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    share: float = (rng or random).uniform(0.5, 1.0)
    return timedelta(seconds=ceiling.total_seconds() * share)


def _describe(err: Exception) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) < 500 else text[:500] + "…"


# -- planning: quiet hours and rate limits ---------------------------------------------------------


def plan(session: Session, config: Config, now: datetime) -> tuple[int, int]:
    """Hold routine rows in quiet hours, fold bursts into summaries; ``(held, summarised)``."""
    held = summarised = 0
    zone = config.schedule.zone
    for office in config.offices:
        held += _quiet(session, office, now, zone)
        for channel in ("email", "webhook"):
            summarised += _rate_limit(session, office, channel, now)
    return held, summarised


def _quiet(session: Session, office: Office, now: datetime, zone: tzinfo) -> int:
    until = quiet_until(office, now, zone)
    if until is None:
        return 0
    held = session.execute(
        update(Alert)
        .where(
            Alert.office_id == office.id,
            Alert.status == "pending",
            Alert.kind.in_(ROUTINE),
            Alert.severity != "urgent",
            Alert.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return int(held.rowcount or 0)  # type: ignore[attr-defined]


def quiet_until(office: Office, now: datetime, zone: tzinfo = LOCAL_ZONE) -> datetime | None:
    """The UTC end of the office's quiet hours (read in ``zone``, the schedule's timezone)
    when ``now`` falls inside them, else None."""
    if office.quiet_hours is None:
        return None
    local = now.astimezone(zone)
    start, end = (time.fromisoformat(t) for t in office.quiet_hours)
    current = local.time()
    inside = start <= current < end if start < end else current >= start or current < end
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(now.tzinfo)


def _rate_limit(session: Session, office: Office, channel: str, now: datetime) -> int:
    """Fold the excess of due routine rows beyond the hourly limit into one summary row."""
    due = session.scalars(
        select(Alert)
        .where(
            Alert.office_id == office.id,
            Alert.channel == channel,
            Alert.status == "pending",
            Alert.kind.in_(ROUTINE),
            Alert.next_attempt_at <= now,
        )
        .order_by(Alert.id)
    ).all()
    if not due:
        return 0
    window = now - RATE_WINDOW
    used = session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(
            Alert.office_id == office.id,
            Alert.channel == channel,
            Alert.kind.in_(ROUTINE),
            or_(Alert.status == "sending", (Alert.status == "sent") & (Alert.sent_at >= window)),
        )
    )
    allowance = office.max_per_hour - int(used or 0)
    if len(due) <= allowance:
        return 0
    # Urgent first among those sent on their own; the rest go together in one summary.
    ranked = sorted(due, key=lambda a: (a.severity != "urgent", a.id))
    excess = ranked[max(allowance, 0) :]
    summary_sent = session.scalar(
        select(func.min(Alert.created_at)).where(
            Alert.office_id == office.id,
            Alert.channel == channel,
            Alert.kind == "summary",
            Alert.created_at >= window,
        )
    )
    if summary_sent is not None:
        # One summary per window: the rest wait for the next window's allowance.
        for alert in excess:
            alert.next_attempt_at = summary_sent + RATE_WINDOW
        return 0
    summary = Alert(
        kind="summary",
        office_id=office.id,
        channel=channel,
        story_id=None,
        revision=0,
        severity="urgent" if any(a.severity == "urgent" for a in excess) else "normal",
        status="pending",
        snapshot={},
        recipients=excess[0].recipients,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(summary)
    session.flush()
    folded = session.scalars(
        update(Alert)
        .where(Alert.id.in_([a.id for a in excess]), Alert.status == "pending")
        .values(status="summarised", parent_id=summary.id)
        .returning(Alert.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not folded:
        session.delete(summary)
        return 0
    summary.snapshot = {"alert_ids": sorted(folded), "window_minutes": 60}
    return len(folded)
