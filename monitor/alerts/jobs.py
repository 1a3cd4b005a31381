"""Digests and escalations: rows the clock owes, each made at most once.

Both write outbox rows with a ``dedupe_key`` ("digest:<office>:<date>", "escalate:<id>"), so
running a job twice, or on two machines, or again after downtime, makes no second message.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from monitor.config.models import Config, Office
from monitor.storage.models import Alert
from monitor.timefmt import LOCAL_ZONE

# After downtime a missed digest is still made if the service is back within this long.
DIGEST_GRACE = timedelta(hours=6)


def digest_due(
    office: Office, now: datetime, zone: tzinfo = LOCAL_ZONE
) -> tuple[str, datetime] | None:
    """``(local date, UTC digest time)`` of today's digest when it is due and not too late;
    the digest time is read in ``zone``, the schedule's timezone."""
    local = now.astimezone(zone)
    at = time.fromisoformat(office.digest_time)
    scheduled = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if local < scheduled:
        scheduled -= timedelta(days=1)  # yesterday's may still be within its grace time
    if local - scheduled > DIGEST_GRACE:
        return None
    return scheduled.date().isoformat(), scheduled.astimezone(now.tzinfo)


def make_digests(session: Session, config: Config, now: datetime) -> list[Alert]:
    """Write the digest row of every office whose digest time has come; at most once a day."""
    made = []
    zone = config.schedule.zone
    for office in config.offices:
        due = digest_due(office, now, zone)
        if due is None or not office.emails:
            continue
        day, until = due
        made_one = make_digest(session, office, day, until, now)
        if made_one is not None:
            made.append(made_one)
    return made


def make_digest(
    session: Session, office: Office, day: str, until: datetime, now: datetime
) -> Alert | None:
    key = f"digest:{office.id}:{day}"
    if session.scalar(select(Alert.id).where(Alert.dedupe_key == key)) is not None:
        return None
    last = session.scalars(
        select(Alert.snapshot)
        .where(Alert.office_id == office.id, Alert.kind == "digest")
        .order_by(Alert.created_at.desc())
        .limit(1)
    ).first()
    since = until - timedelta(days=1)
    if last and "until" in last:
        since = datetime.fromisoformat(str(last["until"]))
    row = Alert(
        kind="digest",
        office_id=office.id,
        channel="email",
        revision=0,
        severity="info",
        status="pending",
        snapshot={"since": since.isoformat(), "until": until.isoformat(), "day": day},
        recipients=list(office.emails),
        dedupe_key=key,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def escalate(session: Session, config: Config, now: datetime) -> list[Alert]:
    """Urgent alerts sent but not acknowledged in time go to the office's escalation address."""
    made = []
    for office in config.offices:
        if not office.escalation_email:
            continue
        due = now - timedelta(minutes=office.escalate_after_minutes)
        unanswered = (
            Alert.office_id == office.id,
            Alert.channel == "email",
            Alert.kind.in_(("alert", "update")),
            Alert.severity == "urgent",
            Alert.acked_at.is_(None),
            Alert.escalated_at.is_(None),
        )
        late = list(
            session.scalars(
                select(Alert).where(*unanswered, Alert.status == "sent", Alert.sent_at <= due)
            )
        )
        # An urgent alert folded into a rate-limit summary counts from the summary's sending.
        summary = aliased(Alert)
        late += session.scalars(
            select(Alert)
            .join(summary, Alert.parent_id == summary.id)
            .where(
                *unanswered,
                Alert.status == "summarised",
                summary.kind == "summary",
                summary.status == "sent",
                summary.sent_at <= due,
            )
        ).all()
        # Claimed by a conditional update: an acknowledgement committed since the query above
        # (the web page runs on another connection) wins, and the alert is not escalated.
        if not late:
            continue
        claimed = set(
            session.scalars(
                update(Alert)
                .where(
                    Alert.id.in_([a.id for a in late]),
                    Alert.acked_at.is_(None),
                    Alert.escalated_at.is_(None),
                )
                .values(escalated_at=now)
                .returning(Alert.id)
                .execution_options(synchronize_session=False)
            ).all()
        )
        for alert in late:
            if alert.id not in claimed:
                continue
            row = Alert(
                kind="escalation",
                office_id=office.id,
                channel="email",
                story_id=None,
                revision=0,
                severity="urgent",
                status="pending",
                snapshot={"alert_id": alert.id},
                recipients=[office.escalation_email],
                dedupe_key=f"escalate:{alert.id}",
                parent_id=alert.id,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(row)
            made.append(row)
    session.flush()
    return made
