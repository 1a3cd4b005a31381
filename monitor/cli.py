"""The `monitor` command: one console script, operations-style subcommands."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy import select

from monitor import settings
from monitor.alerts.cli import alerts, digest, stories
from monitor.cliapp import App, config_option, pass_app
from monitor.config.loader import load_config
from monitor.storage.migrate import current_revision, head_revision, upgrade
from monitor.timefmt import ago, iso_local, parse_since, show


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="MONITOR_CONFIG",
    default="sources.yaml",
    show_default=True,
    help="The configuration file (env MONITOR_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every fetch.")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: bool) -> None:
    """Media Monitor: watch the press and social feeds for Vietnamese localities.

    The database comes from MONITOR_DATABASE_URL (default: a SQLite file in MONITOR_DATA_DIR).
    """
    # The service logs at MONITOR_LOG_LEVEL; one-off commands print their own results and
    # only log problems unless asked with -v.
    if verbose:
        level = "INFO"
    elif ctx.invoked_subcommand == "run":
        level = settings.get("MONITOR_LOG_LEVEL") or "INFO"
    else:
        level = os.environ.get("MONITOR_LOG_LEVEL") or "WARNING"
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Their INFO lines (every job run, every migration step) drown the service's own.
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    ctx.obj = App(config_path=config_path)


@cli.command("check-config")
@config_option
@pass_app
def check_config_cmd(app: App) -> None:
    """Validate the configuration and print every problem with its file and line."""
    from monitor.config.loader import check_config

    issues = check_config(app.config_path)
    for issue in issues:
        click.echo(str(issue), err=True)
    if issues:
        raise click.exceptions.Exit(1)
    config = app.config
    click.echo(
        f"{app.config_path}: OK — {len(config.localities)} localities, "
        f"{len(config.sources)} sources, {len(config.offices)} offices"
    )


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@config_option
@pass_app
def db_upgrade(app: App) -> None:
    """Bring the database schema to the newest version (the service also does this on start)."""
    upgrade(app.engine)
    click.echo(f"database at revision {current_revision(app.engine)}")


@db.command("current")
@config_option
@pass_app
def db_current(app: App) -> None:
    """Show the schema revision of the database and the newest one known."""
    click.echo(f"database: {current_revision(app.engine) or 'empty'}; newest: {head_revision()}")


@cli.command()
@click.option(
    "--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable)."
)
@click.option("--once", is_flag=True, help="One pass over the sources now, then exit.")
@config_option
@pass_app
def crawl(app: App, source_ids: tuple[str, ...], once: bool) -> None:
    """Fetch sources and store new items.

    With --once every chosen source is fetched now, whatever its schedule; without it the
    command keeps fetching each source when it is due, until Ctrl-C.
    """
    from monitor.crawl.run import crawl as crawl_sources

    config = app.config
    for source_id in source_ids:
        try:
            config.source(source_id)
        except KeyError as err:
            raise click.UsageError(str(err.args[0])) from None
    if once:
        from monitor.topics.stage import TopicClassifier

        classifier = (
            TopicClassifier.load(settings.data_dir(), config) if config.localities else None
        )
        from monitor.alerts.stage import AlertStage

        alerts_stage = AlertStage(config) if classifier is not None else None
        results = asyncio.run(
            crawl_sources(
                app.factory,
                config,
                source_ids=source_ids,
                classifier=classifier,
                alerts=alerts_stage,
            )
        )
        failed = 0
        for r in results:
            if r.outcome == "error":
                failed += 1
                click.echo(f"{r.source_id}: error — {r.error}")
            elif r.outcome == "not_modified":
                click.echo(f"{r.source_id}: not modified")
            else:
                click.echo(f"{r.source_id}: {r.items_found} items, {r.items_new} new")
        click.echo(f"{len(results)} sources, {failed} with errors")
        return
    from scheduler import run_service

    run_service(app.factory, config, source_ids=source_ids, crawl_only=True)


@cli.command()
@config_option
@pass_app
def run(app: App) -> None:
    """Start the service: the scheduler with every job, until Ctrl-C."""
    from scheduler import run_service

    click.echo(f"database: {app.engine.url.render_as_string(hide_password=True)}")

    run_service(app.factory, app.config)


@cli.command()
@config_option
@pass_app
def sources(app: App) -> None:
    """Each source's health: last success, items in the last 24 h, last error in plain words."""
    from monitor.storage.db import transaction
    from monitor.storage.repo import source_statuses, sync_sources

    with transaction(app.factory) as session:
        sync_sources(session, app.config)
    now = datetime.now(UTC)
    with app.factory() as session:
        rows = source_statuses(session, now)
    width = shutil.get_terminal_size((120, 20)).columns
    header = (
        f"{'SOURCE':<24} {'STATE':<9} {'LAST SUCCESS':<13} {'NEXT FETCH':<13} "
        f"{'24H':>5} {'ITEMS':>6}  LAST ERROR"
    )
    click.echo(header)
    for r in rows:
        if not r.enabled:
            state = "off"
        elif r.last_fetch_at is None:
            state = "waiting"
        elif r.last_error:
            state = f"error×{r.error_count}" if r.error_count > 1 else "error"
        else:
            state = "ok"
        next_fetch = ago(r.next_fetch_at, now) if r.enabled and r.next_fetch_at else "—"
        line = (
            f"{r.id[:24]:<24} {state:<9} {ago(r.last_success_at, now):<13} {next_fetch:<13} "
            f"{r.items_24h:>5} {r.items_total:>6}  "
        )
        if r.last_error:
            # Shorten for a terminal only; piped output keeps the whole message.
            rest = max(30, width - len(line)) if sys.stdout.isatty() else len(r.last_error)
            line += textwrap.shorten(r.last_error, rest, placeholder="…")
        click.echo(line.rstrip())


@cli.command()
@click.option("--since", help="Only items first seen since: 24h, 7d, 2026-11-01 …")
@click.option(
    "--source",
    "source_ids",
    multiple=True,
    metavar="ID",
    help="Only items seen through this source.",
)
@click.option("--search", help="Words in the title, summary or text.")
@click.option(
    "--limit",
    type=int,
    default=None,
    help="At most this many (default: 50 for the table, all for --json).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per item per line.")
@config_option
@pass_app
def items(
    app: App,
    since: str | None,
    source_ids: tuple[str, ...],
    search: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List stored items, newest first."""
    from monitor.storage.models import Outlet
    from monitor.storage.repo import items_query

    try:
        since_at = parse_since(since) if since else None
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--since") from None
    if limit is None and not as_json:
        limit = 50
    stmt = items_query(since=since_at, source_ids=source_ids, search=search, limit=limit)
    from monitor.places.stage import localities_of
    from monitor.storage.repo import sources_of

    with app.factory() as session:
        outlets = {o.id: o for o in session.scalars(select(Outlet))}
        rows = list(session.scalars(stmt))
        if as_json:
            ids = [item.id for item in rows]
            localities, seen_through = localities_of(session, ids), sources_of(session, ids)
        for item in rows:
            outlet = outlets.get(item.outlet_id) if item.outlet_id else None
            if as_json:
                record = {
                    "id": item.id,
                    "localities": localities.get(item.id, []),
                    "relevance": item.relevance,
                    "url": item.url,
                    "title": item.title,
                    "summary": item.summary,
                    "source": item.source_id,
                    "sources": seen_through.get(item.id, []),
                    "outlet": outlet.name if outlet else None,
                    "outlet_origin": outlet.origin if outlet else None,
                    "author": item.author,
                    "language": item.language,
                    "published": iso_local(item.published_at),
                    "published_from_feed": item.published_from_feed,
                    "first_seen": iso_local(item.first_seen_at),
                    "has_full_text": bool(item.content),
                }
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                name = outlet.name if outlet else item.source_id
                click.echo(f"{show(item.published_at)}  {name[:18]:<18}  {item.title}")


def _input_texts(input_file: TextIO) -> Iterator[tuple[object, str]]:
    """(id, title and text joined by a newline) per JSON line; a bad line ends with exit 1."""
    for number, line in enumerate(input_file, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except ValueError as err:
            click.echo(f"{input_file.name}:{number}: not a JSON object ({err})", err=True)
            raise click.exceptions.Exit(1) from None
        title, body = record.get("title") or "", record.get("text") or ""
        yield record.get("id"), f"{title}\n{body}" if title else body


@cli.command()
@click.option(
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    default="-",
    help="JSON lines {id, title, text} (default: standard input).",
)
@config_option
@pass_app
def match(app: App, input_file: TextIO) -> None:
    """Find the configured localities in JSON-lines texts (stable output, one line per input).

    Each output line is {"id", "localities", "mentions": [{"locality", "start", "end",
    "surface", "confidence"}]}. Offsets index title and text joined by a newline (just the text
    when there is no title); "localities" lists those with a mention of confidence ≥ 0.5.
    """
    from monitor.places.matcher import REPORT_THRESHOLD
    from monitor.places.stage import matcher_for

    matcher = matcher_for(app.config.localities)
    for record_id, text in _input_texts(input_file):
        mentions = matcher.match(text)
        out = {
            "id": record_id,
            "localities": sorted(
                {m.locality for m in mentions if m.confidence >= REPORT_THRESHOLD}
            ),
            "mentions": [
                {
                    "locality": m.locality,
                    "start": m.start,
                    "end": m.end,
                    "surface": m.surface,
                    "confidence": m.confidence,
                }
                for m in mentions
            ],
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@cli.command()
@click.option(
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    default="-",
    help="JSON lines {id, title, text} (default: standard input).",
)
@click.option("--batch", default=64, show_default=True, help="Texts classified together.")
@config_option
@pass_app
def classify(app: App, input_file: TextIO, batch: int) -> None:
    """Topics, scores, tone and explanations for JSON-lines texts (stable output).

    Each output line is {"id", "topics", "scores": {label: probability}, "tone", "explain":
    {label: [[surface, start, end], ...]}}. Offsets index title and text joined by a newline
    (just the text when there is no title). Keyword rules come from the configuration file
    when it exists.
    """
    from monitor.topics.stage import TopicClassifier

    config = app.config if app.config_path.exists() else None
    classifier = TopicClassifier.load(settings.data_dir(), config)
    pending: list[tuple[object, str]] = []

    def flush() -> None:
        predictions = classifier.predict([text for _, text in pending])
        for (record_id, _), p in zip(pending, predictions, strict=True):
            out = {
                "id": record_id,
                "topics": p.topics,
                "scores": p.scores,
                "tone": p.tone,
                "explain": {k: [list(span) for span in v] for k, v in p.explain.items()},
            }
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        pending.clear()

    try:
        for record_id, text in _input_texts(input_file):
            pending.append((record_id, text))
            if len(pending) >= batch:
                flush()
    finally:
        flush()  # what was read before a bad line is still answered


@cli.command()
@click.option(
    "--compare/--no-compare",
    default=True,
    show_default=True,
    help="Cross-validate every feature/model variant and keep the best (slower).",
)
@pass_app
def train(app: App, compare: bool) -> None:
    """Retrain on the shipped data plus officers' decisions; activate only if it does not lose.

    The new model is measured on the held-out set against the active one (the gate); it
    becomes active only if its macro-F1 is not lower.
    """
    from monitor.topics.training import retrain

    outcome = retrain(app.factory, settings.data_dir(), compare_variants=compare, echo=click.echo)
    if not outcome.activated:
        raise click.exceptions.Exit(3)


@cli.command("model")
def model_cmd() -> None:
    """Show the active topic model: version, training data and held-out scores."""
    from classifiers.store import load_active

    loaded = load_active(settings.data_dir())
    meta = loaded.metadata
    click.echo(f"model {meta.version} ({meta.variant}) at {loaded.path}")
    click.echo(f"taxonomy {meta.taxonomy}, built {meta.created_at}, examples {meta.examples}")
    heldout = meta.metrics.get("heldout", {})
    if heldout:
        click.echo(f"held-out macro-F1 {heldout.get('macro_f1')}")
    click.echo("thresholds " + ", ".join(f"{k} {v:.3f}" for k, v in meta.thresholds.items()))


@cli.group("eval")
def eval_group() -> None:
    """Measure quality on the labelled data shipped with the project."""


@eval_group.command("places")
@click.option(
    "--split",
    type=click.Choice(["test", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7"]),
    default="test",
    show_default=True,
)
@click.option("--errors", "show_errors", is_flag=True, help="List every wrong sentence.")
def eval_places(split: str, show_errors: bool) -> None:
    """Precision and recall of the locality matcher on the labelled sentences."""
    from monitor.places.evaluate import EVALDATA, evaluate, format_report
    from monitor.places.stage import matcher_for

    config = load_config(EVALDATA / "localities.yaml")
    report = evaluate(matcher_for(config.localities), EVALDATA / f"places_{split}.jsonl")
    click.echo(format_report(report, f"places ({split} split)"))
    if show_errors and report.errors:
        click.echo("")
        click.echo("\n".join(report.errors))


@eval_group.command("classify")
def eval_classify() -> None:
    """Per-label precision, recall and F1 of the active model on the held-out split."""
    from classifiers.data import heldout_examples
    from classifiers.metrics import format_report
    from classifiers.store import load_active
    from classifiers.train import evaluate

    loaded = load_active(settings.data_dir())
    report = evaluate(loaded.model, heldout_examples())
    title = f"topics, model {loaded.metadata.version} (held-out split)"
    click.echo(format_report(report, title, loaded.model.thresholds))


def main() -> None:
    cli(prog_name="monitor")


cli.add_command(alerts)
cli.add_command(digest)
cli.add_command(stories)
