"""What every `monitor` subcommand shares: the lazily built app and the --config option."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import settings
from monitor.config.loader import ConfigError, load_config
from monitor.config.models import Config
from monitor.storage.db import make_engine, make_sessionmaker
from monitor.storage.migrate import upgrade


@dataclass
class App:
    """What every subcommand needs, built lazily so `check-config` never opens a database."""

    config_path: Path

    @cached_property
    def config(self) -> Config:
        try:
            return load_config(self.config_path)
        except ConfigError as err:
            for issue in err.issues:
                click.echo(str(issue), err=True)
            raise click.exceptions.Exit(2) from None

    @cached_property
    def engine(self) -> Engine:
        return make_engine(settings.database_url())

    @cached_property
    def factory(self) -> sessionmaker[Session]:
        upgrade(self.engine)  # the service always runs on the current schema
        return make_sessionmaker(self.engine)


pass_app = click.make_pass_decorator(App)


def _set_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    app = ctx.find_object(App)
    if value is not None and app is not None:
        app.config_path = value
        app.__dict__.pop("config", None)  # forget a config loaded from the earlier path


def config_option(command: Callable[..., None]) -> Callable[..., None]:
    """Let `--config FILE` stand after the subcommand too (`monitor match --config FILE`)."""
    return click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        expose_value=False,
        is_eager=True,
        callback=_set_config,
        help="The configuration file (may also be given before the subcommand).",
    )(command)
