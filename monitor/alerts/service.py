"""Assembling the alert machinery from settings and configuration, for the CLI and scheduler."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor import settings
from monitor.alerts.channels import WebhookChannel, channel_for_settings
from monitor.alerts.compose import Composer
from monitor.alerts.dispatch import Channel, Dispatcher
from monitor.alerts.views import OutgoingMessage
from monitor.config.models import Config
from monitor.net.client import Fetcher


@dataclass
class OfficeWebhooks:
    """The webhook channel: each office's own URL, through the guarded HTTP client."""

    config: Config
    fetcher: Fetcher

    async def deliver(self, message: OutgoingMessage) -> str:
        office = self.config.office(message.office_id)
        if not office.webhook:
            raise RuntimeError(f'office "{office.id}" has no webhook configured')
        channel = WebhookChannel(
            office.webhook, self.fetcher, allow_private=office.webhook_allow_private
        )
        return await channel.deliver(message)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_dispatcher(
    factory: sessionmaker[Session],
    config: Config,
    fetcher: Fetcher,
    *,
    data_dir: Path | None = None,
    worker: str | None = None,
) -> tuple[Dispatcher, str]:
    """The dispatcher and a one-line description of where email goes, for the start-up log."""
    folder = (data_dir or settings.data_dir()) / "outbox"
    email = channel_for_settings(folder)
    channels: dict[str, Channel] = {"email": email, "webhook": OfficeWebhooks(config, fetcher)}
    composer = Composer(config, settings.get("MONITOR_SMTP_FROM"), data_dir)
    dispatcher = Dispatcher(factory, config, channels, composer, worker or worker_name())
    return dispatcher, email.describe()
