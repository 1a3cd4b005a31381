"""The service's web side: for now the page an acknowledgement link in an email opens.

Opening the link shows what is being acknowledged and a button; only pressing it (a POST)
acknowledges. Mail gateways and link previews open every link in a message, and an alert
they "acknowledged" would never be escalated. The review desk will grow here (Starlette,
served by uvicorn inside ``monitor run``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.alerts.ack import acknowledge, secret_key, verify
from monitor.storage.db import transaction
from monitor.storage.models import Alert, Story
from monitor.timefmt import show

KIND_LABELS = {
    "alert": "Cảnh báo",
    "update": "Cập nhật cảnh báo",
    "escalation": "Cảnh báo chuyển cấp",
    "summary": "Thư tổng hợp",
}


def create_app(
    factory: sessionmaker[Session],
    data_dir: Path,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Starlette:
    key = secret_key(data_dir)

    def about(session: Session, request: Request) -> tuple[Alert | None, str | None]:
        """The alert a link names, or why the link is refused."""
        raw_id = str(request.path_params["alert_id"])
        if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 18:
            return None, "Liên kết không hợp lệ."
        alert_id = int(raw_id)
        if not verify(alert_id, str(request.path_params["token"]), key):
            return None, "Liên kết không hợp lệ hoặc đã bị sửa."
        alert = session.get(Alert, alert_id)
        if alert is None:
            return None, "Không tìm thấy cảnh báo này."
        return alert, None

    def ack_page(request: Request) -> Response:
        with transaction(factory) as session:
            alert, refused = about(session, request)
            if alert is None:
                return _page("Không xác nhận được", _para(refused or ""), status=403)
            if request.method == "POST":
                acknowledge(session, alert.id, clock())
                session.refresh(alert)
                return _page(
                    "Đã xác nhận",
                    _describe(session, alert)
                    + _para(f"Đã ghi nhận lúc {show(alert.acked_at)} (giờ Việt Nam). Cảm ơn.")
                    + _para("Cảnh báo sẽ không được chuyển cấp."),
                )
            if alert.acked_at is not None:
                return _page(
                    "Đã xác nhận trước đó",
                    _describe(session, alert)
                    + _para(f"Đã được xác nhận lúc {show(alert.acked_at)} (giờ Việt Nam)."),
                )
            return _page(
                "Xác nhận đã nhận cảnh báo",
                _describe(session, alert)
                + _para("Bấm nút dưới đây để xác nhận đơn vị đã nhận và đang xử lý.")
                + '<form method="post"><button type="submit">Xác nhận đã nhận</button></form>',
            )

    def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/ack/{alert_id}/{token}", ack_page, methods=["GET", "POST"]),
            Route("/healthz", health),
        ]
    )


def _describe(session: Session, alert: Alert) -> str:
    about = alert
    if alert.kind == "escalation" and alert.parent_id is not None:
        about = session.get(Alert, alert.parent_id) or alert
    story = session.get(Story, about.story_id) if about.story_id else None
    rows = [
        ("Loại", KIND_LABELS.get(alert.kind, alert.kind)),
        ("Mức độ", "KHẨN" if alert.severity == "urgent" else alert.severity),
        ("Tin", story.title if story else "—"),
        ("Gửi lúc", f"{show(alert.sent_at)} (giờ Việt Nam)"),
    ]
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _para(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=vi><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} — Media Monitor</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;"
        "padding:0 1em}th{text-align:left;padding-right:1em}button{font-size:1.1em;"
        "padding:.5em 1.2em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
