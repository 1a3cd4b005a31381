"""`monitor alerts`, `monitor digest`, `monitor stories`: the outbox from the command line."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import func, select

from monitor import settings
from monitor.alerts.ack import acknowledge, secret_key, verify
from monitor.alerts.compose import Composer
from monitor.alerts.dispatch import DispatchResult
from monitor.alerts.jobs import make_digest
from monitor.cliapp import App, config_option, pass_app
from monitor.config.models import Office
from monitor.storage.db import transaction
from monitor.storage.models import Alert, Delivery, Story
from monitor.timefmt import LOCAL_ZONE, parse_since, show

STATUSES = ("pending", "sending", "sent", "digest_only", "summarised", "dead", "cancelled")


@click.group("alerts", invoke_without_command=True)
@click.option("--status", type=click.Choice(STATUSES), help="Only alerts in this state.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert per line.")
@config_option
@click.pass_context
def alerts(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """The outbox: what was owed to which office, and what became of it."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(App)
    assert app is not None
    with app.factory() as session:
        query = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if status:
            query = query.where(Alert.status == status)
        rows = list(session.scalars(query))
        titles = {
            s.id: s.title
            for s in session.scalars(
                select(Story).where(Story.id.in_([r.story_id for r in rows if r.story_id]))
            )
        }
    for row in rows:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": row.id,
                        "kind": row.kind,
                        "office": row.office_id,
                        "channel": row.channel,
                        "story": row.story_id,
                        "severity": row.severity,
                        "status": row.status,
                        "attempts": row.attempts,
                        "created_at": row.created_at.isoformat(),
                        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                        "message_id": row.message_id,
                        "last_error": row.last_error,
                        "title": titles.get(row.story_id or 0),
                    },
                    ensure_ascii=False,
                )
            )
            continue
        title = titles.get(row.story_id or 0, "")
        error = f"  ! {row.last_error}" if row.last_error else ""
        click.echo(
            f"{row.id:>6} {row.status:<11} {row.kind:<10} {row.severity:<6} "
            f"{row.office_id:<18} {show(row.created_at)}  {title[:60]}{error}"
        )
    if not rows and not as_json:
        click.echo("no alerts" + (f' with status "{status}"' if status else ""))


@alerts.command("send")
@config_option
@pass_app
def alerts_send(app: App) -> None:
    """One dispatch pass: send what is due now, then report."""
    result = asyncio.run(_dispatch_once(app))
    click.echo(
        f"claimed {result.claimed}, sent {result.sent}, retry later {result.retried}, "
        f"dead {result.dead}, folded into summaries {result.summarised}, "
        f"held for quiet hours {result.held}"
    )
    for error in result.errors:
        click.echo(f"  {error}", err=True)
    if result.dead:
        raise click.exceptions.Exit(1)


@alerts.command("test")
@click.option("--office", "office_id", required=True, help="The office id in sources.yaml.")
@config_option
@pass_app
def alerts_test(app: App, office_id: str) -> None:
    """Send a test message to an office through the configured channel, now."""
    office = _office(app, office_id)
    now = datetime.now(UTC)
    with transaction(app.factory) as session:
        row = Alert(
            kind="test",
            office_id=office.id,
            channel="email",
            revision=0,
            severity="info",
            status="pending",
            snapshot={},
            recipients=list(office.emails),
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        session.flush()
        alert_id = row.id
    asyncio.run(_dispatch_once(app, only=alert_id))
    with app.factory() as session:
        sent = session.get(Alert, alert_id)
        delivery = session.scalars(
            select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id.desc())
        ).first()
    if sent is not None and sent.status == "sent":
        receipt = delivery.receipt if delivery else ""
        click.echo(f"test message {alert_id} sent to {', '.join(office.emails)} ({receipt})")
        return
    error = sent.last_error if sent else "not found"
    click.echo(f"test message {alert_id} not sent: {error}", err=True)
    raise click.exceptions.Exit(1)


@alerts.command("ack")
@click.argument("alert_id", type=int)
@click.argument("token")
@config_option
@pass_app
def alerts_ack(app: App, alert_id: int, token: str) -> None:
    """Acknowledge an urgent alert with the token from its email link (stops escalation)."""
    if not verify(alert_id, token, secret_key()):
        raise click.UsageError("the token does not match this alert")
    with transaction(app.factory) as session:
        if not acknowledge(session, alert_id, datetime.now(UTC)):
            raise click.UsageError(f"no alert {alert_id}")
    click.echo(f"alert {alert_id} acknowledged")


@click.command("digest")
@click.option("--office", "office_id", required=True, help="The office id in sources.yaml.")
@click.option("--dry-run", is_flag=True, help="Print the digest instead of queueing it.")
@config_option
@pass_app
def digest(app: App, office_id: str, dry_run: bool) -> None:
    """Make an office's digest of what was flagged for it in the last day, now."""
    office = _office(app, office_id)
    now = datetime.now(UTC)
    day = now.astimezone(LOCAL_ZONE).date().isoformat() + "-manual-" + now.strftime("%H%M%S")
    if dry_run:
        composer = Composer(app.config, settings.get("MONITOR_SMTP_FROM"))
        with app.factory() as session:
            message = composer.digest(
                session, 0, office, office.emails, now - timedelta(days=1), now
            )
        click.echo(message.subject)
        click.echo()
        click.echo(message.text)
        return
    with transaction(app.factory) as session:
        row = make_digest(session, office, day, now, now)
        alert_id = row.id if row else None
    click.echo(f"digest {alert_id} queued for {office.id}; `monitor alerts send` sends it")


@click.command("stories")
@click.option("--since", default="24h", show_default=True, help="24h, 7d, 2026-11-01 …")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story per line.")
@config_option
@pass_app
def stories(app: App, since: str, as_json: bool) -> None:
    """Stories (near-duplicate items grouped) seen since a time, most recent first."""
    start = parse_since(since, datetime.now(UTC))
    with app.factory() as session:
        rows = list(
            session.scalars(
                select(Story).where(Story.last_seen_at >= start).order_by(Story.last_seen_at.desc())
            )
        )
        alerts = dict(
            session.execute(
                select(Alert.story_id, func.count())
                .where(Alert.story_id.in_([r.id for r in rows]))
                .group_by(Alert.story_id)
            ).all()
        )
    for s in rows:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": s.id,
                        "title": s.title,
                        "first_seen_at": s.first_seen_at.isoformat(),
                        "last_seen_at": s.last_seen_at.isoformat(),
                        "items": s.item_count,
                        "outlets": s.outlets,
                        "foreign_outlets": s.foreign_outlets,
                        "languages": s.languages,
                        "localities": s.localities,
                        "topics": s.topics,
                        "tone": s.tone,
                        "severity": s.severity,
                        "reasons": s.reasons,
                        "alerts": alerts.get(s.id, 0),
                    },
                    ensure_ascii=False,
                )
            )
            continue
        foreign = f", {len(s.foreign_outlets)} foreign" if s.foreign_outlets else ""
        topics = ",".join(s.topics) or "-"
        click.echo(
            f"{s.id:>6} {s.severity:<6} {s.item_count:>3} items {len(s.outlets):>2} outlets"
            f"{foreign}  {topics:<24} {show(s.first_seen_at)}  {s.title[:60]}"
        )
    if not rows and not as_json:
        click.echo(f"no stories since {show(start)}")


def _office(app: App, office_id: str) -> Office:
    try:
        return app.config.office(office_id)
    except KeyError as err:
        raise click.UsageError(str(err.args[0])) from None


async def _dispatch_once(app: App, only: int | None = None) -> DispatchResult:
    from monitor.alerts.service import build_dispatcher
    from monitor.crawl.run import make_fetcher

    config = app.config
    async with make_fetcher(config) as fetcher:
        dispatcher, _ = build_dispatcher(app.factory, config, fetcher)
        if only is not None:
            return await dispatcher.run_only(only)
        return await dispatcher.run_once()
