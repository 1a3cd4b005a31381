"""A named lease in the database: at most one holder at a time, taken over only once expired.

Used so two schedulers never run on one database; works the same on SQLite and PostgreSQL
because it relies only on an atomic conditional UPDATE and a unique primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.storage.db import transaction
from monitor.storage.models import SchedulerLock
from monitor.storage.repo import insert_ignoring_conflicts


class LeaseHeld(Exception):
    """Someone else holds the lease; the message says who and until when."""


@dataclass
class Lease:
    factory: sessionmaker[Session]
    name: str
    holder: str
    ttl: timedelta = timedelta(seconds=90)

    def acquire(self, now: datetime | None = None) -> None:
        """Take the lease or raise LeaseHeld naming the current holder."""
        now = now or datetime.now(UTC)
        with transaction(self.factory) as session:
            taken = session.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == self.name)
                .where((SchedulerLock.holder == self.holder) | (SchedulerLock.expires_at < now))
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return
            insert_ignoring_conflicts(
                session,
                SchedulerLock.__table__,
                [
                    {
                        "name": self.name,
                        "holder": self.holder,
                        "acquired_at": now,
                        "expires_at": now + self.ttl,
                    }
                ],
            )
            row = session.get(SchedulerLock, self.name, populate_existing=True)
            if row is None or row.holder != self.holder:
                who = row.holder if row else "unknown"
                until = row.expires_at.isoformat() if row else "?"
                raise LeaseHeld(
                    f'another scheduler ("{who}") is running on this database '
                    f"(its lease runs until {until}); stop it first, "
                    "or wait for the lease to expire"
                )

    def renew(self, now: datetime | None = None) -> bool:
        """Extend the lease; False means it was lost (expired and taken by another)."""
        now = now or datetime.now(UTC)
        with transaction(self.factory) as session:
            result = session.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == self.name, SchedulerLock.holder == self.holder)
                .values(expires_at=now + self.ttl)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def release(self) -> None:
        with transaction(self.factory) as session:
            session.execute(
                delete(SchedulerLock).where(
                    SchedulerLock.name == self.name, SchedulerLock.holder == self.holder
                )
            )
