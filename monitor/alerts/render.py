"""Turn alert views into messages: subject, plain text, HTML and webhook JSON, Vietnamese first.

Pure functions of their arguments (no clock, no database), so the same alert always renders to the
same message, Message-ID included, and a resend after a crash is recognisable as the same mail.

Each message is first built as a short list of blocks (heading, fields, bullet lists, notes) made
of spans (plain, highlighted mention, link); one writer turns the blocks into plain text and
another into HTML, so the two parts cannot drift apart.

Everything an item brings (title, outlet, snippet, address, terms) was written by whoever runs the
page and is untrusted: the HTML writer escapes every span, only http(s) addresses become links, and
control, format and line-break characters are removed from one-line fields (a line break in a title
would otherwise end up in the Subject header). Output is NFC, the form Vietnamese mail clients and
search expect; highlights are applied before normalising, because their offsets index the raw text.
"""

from __future__ import annotations

import email.utils
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from monitor.alerts.views import (
    Highlight,
    ItemView,
    MessageKind,
    OutgoingMessage,
    Severity,
    StoryView,
    TopicView,
)
from monitor.timefmt import LOCAL_ZONE

DEFAULT_DOMAIN = "media-monitor.local"
SEVERITY_TAG: dict[Severity, str] = {"urgent": "KHẨN", "normal": "THƯỜNG", "info": "THÔNG TIN"}
SEVERITY_RANK: dict[Severity, int] = {"urgent": 0, "normal": 1, "info": 2}
TOPIC_REMINDER = (
    "Lưu ý: nhãn chủ đề cho biết bài viết nói về vấn đề gì, "
    "không phải kết luận rằng bài viết đúng hay sai."
)
NO_TOPIC = "Chưa xếp chủ đề"
MAX_SUBJECT_TITLE = 140  # characters of the lead title kept in a Subject line
MAX_OUTLETS_SHOWN = 8

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")

# ---------------------------------------------------------------------------------------------
# Public entry points.
# ---------------------------------------------------------------------------------------------


def message_id_for(alert_id: int, sender: str | None) -> str:
    """Return ``<alert-42@example.org>``: the domain of ``sender``, else ``media-monitor.local``."""
    return f"<alert-{alert_id}@{_domain_of(sender)}>"


def render_alert(
    alert_id: int,
    kind: Literal["alert", "update", "escalation"],
    office_id: str,
    office_name: str,
    recipients: Sequence[str],
    story: StoryView,
    *,
    ack_url: str | None,
    sender: str | None,
    previous: tuple[int, int] | None = None,
    new_topics: Sequence[str] = (),
    new_foreign_outlets: Sequence[str] = (),
) -> OutgoingMessage:
    """Return the message about one story: a first alert, an update or an escalation.

    For an update, ``previous`` is (item count, outlet count) when the office was last told, and
    ``new_topics`` (labels or names) and ``new_foreign_outlets`` what appeared since; the message
    says what changed. An escalation goes to an office above one that did not acknowledge in time.
    """
    lead = story.lead
    topics = story.topics or lead.topics
    changes = (
        _changes(story, topics, previous, new_topics, new_foreign_outlets)
        if kind == "update"
        else []
    )
    tags = [SEVERITY_TAG[story.severity]]
    if kind == "update":
        tags.insert(0, "CẬP NHẬT")
    elif kind == "escalation":
        tags.insert(0, "CHUYỂN CẤP")
    context = " · ".join(
        part
        for part in (
            ", ".join(_line(t.name) for t in topics),
            _names(story.localities, limit=3, others="địa bàn"),
        )
        if part
    )
    title = _shorten(_line(lead.title) or "(không có tiêu đề)", MAX_SUBJECT_TITLE)
    subject = " ".join(f"[{tag}]" for tag in tags) + " " + (f"{context}: " if context else "")
    subject += title
    if changes:
        subject += " — " + ", ".join(short for _, short in changes)

    opening = {
        "alert": "Tin cần chú ý",
        "update": "Diễn biến mới của tin đã báo",
        "escalation": "Chuyển cấp: tin đã báo nhưng chưa được xác nhận trong thời hạn",
    }[kind]
    blocks: list[_Block] = [
        _Heading((_severity_span(story.severity), _Span(f" {opening} — {_line(office_name)}"))),
    ]
    if changes:
        blocks.append(_Field("Có gì mới", (_Span("; ".join(long for long, _ in changes) + "."),)))
    blocks.append(_Title(_marked(lead.title, lead.highlights, "title")))
    blocks.extend(_item_fields(lead))
    blocks.append(_Field("Mức độ", (_Span(SEVERITY_TAG[story.severity]),)))
    if story.localities:
        blocks.append(_Field("Địa bàn", (_Span(_names(story.localities)),)))
    if topics:
        blocks.append(_Field("Chủ đề", ()))
        blocks.append(_Bullets(tuple(_topic_line(t) for t in topics)))
    if story.reasons:
        blocks.append(_Field("Lý do gắn cờ", ()))
        blocks.append(_Bullets(tuple((_Span(_line(r)),) for r in story.reasons)))
    if lead.snippet:
        excerpt = _marked(lead.snippet, lead.highlights, "snippet")
        blocks.append(_Field("Trích đoạn", (_Span("“"), *excerpt, _Span("”"))))
    blocks.append(_Field("Đọc bài", (_link(lead.url),)))
    blocks.append(_Field("Mức lan truyền", (_Span(_spread(story)),)))
    if ack_url:
        blocks.append(_Action("Xác nhận đã nhận", _link(ack_url)))
    blocks.append(_Note(TOPIC_REMINDER))
    blocks.append(_footer(alert_id))

    headers = _headers(alert_id, kind, office_id)
    headers["X-Monitor-Story-Id"] = str(story.story_id)
    headers["X-Monitor-Severity"] = story.severity
    payload: dict[str, object] = {
        **_payload_head(alert_id, kind, office_id, office_name, subject),
        "severity": story.severity,
        "story_id": story.story_id,
        **_story_payload(story),
        "ack_url": ack_url,
    }
    if kind == "update":
        payload["changes"] = [long for long, _ in changes]
    return _message(
        alert_id,
        kind,
        office_id,
        office_name,
        recipients,
        sender,
        subject,
        blocks,
        headers,
        payload,
    )


def render_digest(
    alert_id: int,
    office_id: str,
    office_name: str,
    recipients: Sequence[str],
    stories: Sequence[StoryView],
    *,
    since: datetime,
    until: datetime,
    sender: str | None,
) -> OutgoingMessage:
    """Return the daily digest: the period's flagged stories grouped by topic, counts per topic.

    A story is listed once, under its strongest topic; its other topics are named beside it.
    """
    # The day of the last instant covered: 21/11 07:00 → 22/11 07:00 and 22/11 00:00 → 23/11
    # 00:00 are both "the digest of 22/11".
    day = _local(until - timedelta(microseconds=1)).strftime("%d/%m/%Y")
    heading = f"Bản tin tổng hợp ngày {day} — {_line(office_name)}"
    period = f"từ {_when(since)} đến {_when(until)} (giờ Việt Nam)"
    items = sum(story.item_count for story in stories)
    if stories:
        subject = f"{heading}: {len(stories)} tin được gắn cờ"
    else:
        subject = f"{heading}: không có tin nào được gắn cờ"
    blocks: list[_Block] = [_Heading((_Span(heading),))]
    if not stories:
        blocks.append(_Para((_Span(f"Không có tin nào được gắn cờ {period}."),)))
    else:
        blocks.append(
            _Para((_Span(f"{period[0].upper()}{period[1:]}: {len(stories)} tin, {items} bài."),))
        )
        for name, group in _by_topic(stories):
            count = sum(story.item_count for story in group)
            blocks.append(_Subheading(f"{name} — {len(group)} tin, {count} bài"))
            blocks.append(_Bullets(tuple(_story_line(s, also=name) for s in group)))
        blocks.append(_Note(TOPIC_REMINDER))
    blocks.append(_footer(alert_id))
    payload: dict[str, object] = {
        **_payload_head(alert_id, "digest", office_id, office_name, subject),
        "since": _iso_utc(since),
        "until": _iso_utc(until),
        "stories": [_story_summary(story) for story in stories],
    }
    return _message(
        alert_id,
        "digest",
        office_id,
        office_name,
        recipients,
        sender,
        subject,
        blocks,
        _headers(alert_id, "digest", office_id),
        payload,
    )


def render_summary(
    alert_id: int,
    office_id: str,
    office_name: str,
    recipients: Sequence[str],
    stories: Sequence[StoryView],
    *,
    sender: str | None,
    window_minutes: int,
    summarised_ids: Sequence[int],
    ack_url: str | None = None,
) -> OutgoingMessage:
    """Return one message standing for the alerts held back when a burst exceeded the rate limit.

    ``summarised_ids`` are the held alerts' ids; they go into ``X-Monitor-Summarised``. An
    ``ack_url`` (when an urgent alert is among them) acknowledges them all.
    """
    window = _minutes(window_minutes)
    subject = f"[TỔNG HỢP] {len(stories)} tin được gắn cờ trong {window}"
    ordered = sorted(stories, key=_story_order)
    blocks: list[_Block] = [
        _Heading((_Span(f"{len(stories)} tin được gắn cờ trong {window} — {_line(office_name)}"),)),
        _Para(
            (
                _Span(
                    f"Để không gửi dồn dập, {len(summarised_ids)} cảnh báo trong {window} qua "
                    "được gộp vào thư này:"
                ),
            )
        ),
        _Bullets(tuple(_story_line(story) for story in ordered)),
        _Note(TOPIC_REMINDER),
    ]
    if ack_url:
        blocks.append(_Action("Xác nhận đã nhận các tin khẩn trong thư này", _link(ack_url)))
    blocks.append(_footer(alert_id))
    headers = _headers(alert_id, "summary", office_id)
    headers["X-Monitor-Summarised"] = ",".join(str(i) for i in summarised_ids)
    if stories:
        headers["X-Monitor-Severity"] = ordered[0].severity
    payload: dict[str, object] = {
        **_payload_head(alert_id, "summary", office_id, office_name, subject),
        "window_minutes": window_minutes,
        "summarised_alert_ids": list(summarised_ids),
        "ack_url": ack_url,
        "stories": [_story_summary(story) for story in ordered],
    }
    return _message(
        alert_id,
        "summary",
        office_id,
        office_name,
        recipients,
        sender,
        subject,
        blocks,
        headers,
        payload,
    )


def render_test(
    alert_id: int,
    office_id: str,
    office_name: str,
    recipients: Sequence[str],
    *,
    sender: str | None,
) -> OutgoingMessage:
    """Return the "send a test alert" message, which proves a channel reaches the office."""
    subject = "[THỬ] Kiểm tra kênh gửi cảnh báo"
    blocks: list[_Block] = [
        _Heading((_Span(f"Kiểm tra kênh gửi cảnh báo — {_line(office_name)}"),)),
        _Para(
            (
                _Span(
                    "Đây là thư thử do Media Monitor gửi. Nếu anh/chị nhận được thư này, kênh "
                    "gửi cảnh báo đến đơn vị hoạt động bình thường; không cần trả lời."
                ),
            )
        ),
        _Note("This is a test message from Media Monitor: the alert channel works."),
        _footer(alert_id),
    ]
    payload = _payload_head(alert_id, "test", office_id, office_name, subject)
    return _message(
        alert_id,
        "test",
        office_id,
        office_name,
        recipients,
        sender,
        subject,
        blocks,
        _headers(alert_id, "test", office_id),
        payload,
    )


# ---------------------------------------------------------------------------------------------
# Blocks and spans: one structure, written out as plain text and as HTML.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    text: str
    mark: bool = False  # a locality mention
    href: str | None = None  # an http(s) address to link to
    severity: Severity | None = None  # a severity badge


Line = tuple[_Span, ...]


@dataclass(frozen=True)
class _Heading:
    line: Line


@dataclass(frozen=True)
class _Subheading:
    text: str


@dataclass(frozen=True)
class _Title:
    line: Line


@dataclass(frozen=True)
class _Field:
    label: str
    line: Line  # empty when a list follows


@dataclass(frozen=True)
class _Bullets:
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class _Para:
    line: Line


@dataclass(frozen=True)
class _Action:
    label: str
    link: _Span


@dataclass(frozen=True)
class _Note:
    text: str


_Block = _Heading | _Subheading | _Title | _Field | _Bullets | _Para | _Action | _Note

_BADGE_COLOUR: dict[Severity, str] = {"urgent": "#b00020", "normal": "#8a5a00", "info": "#3a5a80"}


def _text_span(span: _Span) -> str:
    if span.severity is not None:
        return f"[{span.text}]"
    if span.mark:
        return f"«{span.text}»"
    if span.href is not None and span.text != span.href:
        return f"{span.text} <{span.href}>"
    return span.text


def _text_line(line: Line) -> str:
    return "".join(_text_span(span) for span in line)


def _to_text(blocks: Sequence[_Block]) -> str:
    out: list[str] = []
    for block in blocks:
        match block:
            case _Heading(line):
                out += [_text_line(line), ""]
            case _Subheading(text):
                out += ["", text]
            case _Title(line):
                out += ["", _text_line(line), ""]
            case _Field(label, line):
                out.append(f"{label}: {_text_line(line)}" if line else f"{label}:")
            case _Bullets(lines):
                out += [f"  • {_text_line(line)}" for line in lines]
            case _Para(line):
                out += [_text_line(line), ""]
            case _Action(label, link):
                out += ["", f"{label}: {_text_span(link)}"]
            case _Note(text):
                out += ["", text]
    return _BLANK_LINES.sub("\n\n", "\n".join(out)).strip() + "\n"


def _html_span(span: _Span) -> str:
    text = html.escape(span.text, quote=True)
    if span.severity is not None:
        colour = _BADGE_COLOUR[span.severity]
        return (
            f'<span style="background:{colour};color:#fff;padding:1px 6px;'
            f'border-radius:3px;font-weight:bold">{text}</span>'
        )
    if span.mark:
        return f"<mark>{text}</mark>"
    if span.href is not None:
        return f'<a href="{html.escape(span.href, quote=True)}">{text}</a>'
    return text


def _html_line(line: Line) -> str:
    return "".join(_html_span(span) for span in line)


def _to_html(subject: str, blocks: Sequence[_Block]) -> str:
    out: list[str] = []
    for block in blocks:
        match block:
            case _Heading(line):
                out.append(f'<p style="font-size:16px"><strong>{_html_line(line)}</strong></p>')
            case _Subheading(text):
                out.append(f'<h3 style="margin:18px 0 4px">{html.escape(text)}</h3>')
            case _Title(line):
                out.append(f'<h2 style="margin:12px 0">{_html_line(line)}</h2>')
            case _Field(label, line):
                value = f" {_html_line(line)}" if line else ""
                out.append(
                    f'<p style="margin:4px 0"><strong>{html.escape(label)}:</strong>{value}</p>'
                )
            case _Bullets(lines):
                rows = "".join(f"<li>{_html_line(line)}</li>" for line in lines)
                out.append(f'<ul style="margin:4px 0">{rows}</ul>')
            case _Para(line):
                out.append(f"<p>{_html_line(line)}</p>")
            case _Action(label, link):
                out.append(
                    f'<p style="margin:16px 0"><strong>{html.escape(label)}:</strong> '
                    f"{_html_span(link)}</p>"
                )
            case _Note(text):
                out.append(f'<p style="color:#555;font-size:13px">{html.escape(text)}</p>')
    body = "\n".join(out)
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;'
        f'color:#1a1a1a">\n{body}\n</body>\n</html>\n'
    )


# ---------------------------------------------------------------------------------------------
# Pieces shared by the messages.
# ---------------------------------------------------------------------------------------------


def _message(
    alert_id: int,
    kind: MessageKind,
    office_id: str,
    office_name: str,
    recipients: Sequence[str],
    sender: str | None,
    subject: str,
    blocks: Sequence[_Block],
    headers: dict[str, str],
    payload: dict[str, object],
) -> OutgoingMessage:
    subject = _nfc(_line(subject))
    return OutgoingMessage(
        alert_id=alert_id,
        kind=kind,
        message_id=message_id_for(alert_id, sender),
        recipients=tuple(recipients),
        office_id=office_id,
        office_name=office_name,
        subject=subject,
        text=_nfc(_to_text(blocks)),
        html=_nfc(_to_html(subject, blocks)),
        headers=headers,
        payload={key: _nfc_json(value) for key, value in payload.items()},
    )


def _headers(alert_id: int, kind: MessageKind, office_id: str) -> dict[str, str]:
    return {
        "X-Monitor-Alert-Id": str(alert_id),
        "X-Monitor-Kind": kind,
        "X-Monitor-Office": _line(office_id),
    }


def _payload_head(
    alert_id: int, kind: MessageKind, office_id: str, office_name: str, subject: str
) -> dict[str, object]:
    return {
        "alert_id": alert_id,
        "kind": kind,
        "office": {"id": office_id, "name": office_name},
        "subject": _line(subject),
    }


def _footer(alert_id: int) -> _Note:
    return _Note(f"Thư tự động từ Media Monitor, mã cảnh báo {alert_id}.")


def _item_fields(item: ItemView) -> list[_Block]:
    outlet = _line(item.outlet) + (" (báo nước ngoài)" if item.foreign else "")
    return [
        _Field("Nguồn", (_Span(outlet),)),
        _Field("Thời gian đăng", (_Span(f"{_when(item.published_at)} (giờ Việt Nam)"),)),
    ]


def _topic_line(topic: TopicView) -> Line:
    spans = [_Span(_line(topic.name))]
    terms = [_line(term) for term in topic.terms if _line(term)]
    if terms:
        spans.append(_Span(" — từ ngữ kích hoạt: " + ", ".join(f"“{t}”" for t in terms)))
    return tuple(spans)


def _story_line(story: StoryView, *, also: str | None = None) -> Line:
    """One story in a list: badge, title, outlet and time, spread, other topics, link."""
    lead = story.lead
    spans = [
        _severity_span(story.severity),
        _Span(" "),
        *_marked(lead.title, lead.highlights, "title"),
        _Span(f" — {_line(lead.outlet)}, {_when(lead.published_at)}"),
    ]
    if story.item_count > 1 or len(story.outlets) > 1:
        spread = f"{story.item_count} bài trên {len(story.outlets)} nguồn"
        if story.foreign_outlets:
            spread += f", {len(story.foreign_outlets)} nguồn nước ngoài"
        spans.append(_Span(f"; {spread}"))
    if also is not None:
        others = [_line(t.name) for t in (story.topics or lead.topics) if _line(t.name) != also]
        if others:
            spans.append(_Span(f"; cũng thuộc: {', '.join(others)}"))
    spans += [_Span(" — "), _link(lead.url)]
    return tuple(spans)


def _severity_span(severity: Severity) -> _Span:
    return _Span(SEVERITY_TAG[severity], severity=severity)


def _spread(story: StoryView) -> str:
    text = f"{story.item_count} bài trên {len(story.outlets)} nguồn"
    if story.outlets:
        text += f" ({_names(story.outlets, limit=MAX_OUTLETS_SHOWN)})"
    if story.foreign_outlets:
        text += f"; trong đó {len(story.foreign_outlets)} nguồn nước ngoài: " + _names(
            story.foreign_outlets, limit=MAX_OUTLETS_SHOWN
        )
    return text


def _changes(
    story: StoryView,
    topics: Sequence[TopicView],
    previous: tuple[int, int] | None,
    new_topics: Sequence[str],
    new_foreign_outlets: Sequence[str],
) -> list[tuple[str, str]]:
    """What changed since the office was last told about ``story``: (sentence, subject words)."""
    changes: list[tuple[str, str]] = []
    if previous is not None:
        items, outlets = previous
        if len(story.outlets) > outlets:
            added = len(story.outlets) - outlets
            changes.append(
                (
                    f"thêm {added} nguồn đưa tin (nay {len(story.outlets)} nguồn)",
                    f"thêm {added} nguồn",
                )
            )
        if story.item_count > items:
            added = story.item_count - items
            changes.append((f"thêm {added} bài (nay {story.item_count} bài)", f"thêm {added} bài"))
    if new_foreign_outlets:
        changes.append(
            (f"báo nước ngoài đưa tin: {_names(new_foreign_outlets)}", "có báo nước ngoài")
        )
    if new_topics:
        by_label = {t.label: t.name for t in topics}
        names = _names([by_label.get(label, label) for label in new_topics])
        changes.append((f"thêm chủ đề: {names}", f"thêm chủ đề {names}"))
    return changes or [("tin đã báo có diễn biến mới", "có diễn biến mới")]


def _by_topic(stories: Iterable[StoryView]) -> list[tuple[str, list[StoryView]]]:
    """Stories under their strongest topic; most stories first, stories without topic last."""
    groups: dict[str, list[StoryView]] = {}
    for story in stories:
        topics = story.topics or story.lead.topics
        name = _line(max(topics, key=lambda t: t.score).name) if topics else NO_TOPIC
        groups.setdefault(name, []).append(story)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == NO_TOPIC, -len(kv[1]), kv[0]))
    return [(name, sorted(group, key=_story_order)) for name, group in ordered]


def _story_order(story: StoryView) -> tuple[int, int, float]:
    """Most severe first, then the most widespread, then the newest."""
    return (
        SEVERITY_RANK[story.severity],
        -story.item_count,
        -_aware(story.lead.published_at).timestamp(),
    )


def _story_payload(story: StoryView) -> dict[str, object]:
    lead = story.lead
    topics = story.topics or lead.topics
    return {
        "lead": {
            "item_id": lead.item_id,
            "title": _line(lead.title),
            "url": lead.url,
            "outlet": _line(lead.outlet),
            "foreign": lead.foreign,
            "published_at": _iso_utc(lead.published_at),
        },
        "topics": [
            {"label": t.label, "name": t.name, "score": t.score, "terms": list(t.terms)}
            for t in topics
        ],
        "localities": list(story.localities),
        "reasons": list(story.reasons),
        "item_count": story.item_count,
        "outlets": list(story.outlets),
        "foreign_outlets": list(story.foreign_outlets),
    }


def _story_summary(story: StoryView) -> dict[str, object]:
    return {"story_id": story.story_id, "severity": story.severity, **_story_payload(story)}


# ---------------------------------------------------------------------------------------------
# Small helpers.
# ---------------------------------------------------------------------------------------------


def _marked(text: str, highlights: Sequence[Highlight], field: str) -> Line:
    """``text`` as spans with its locality mentions marked; bad or overlapping offsets ignored."""
    spans: list[_Span] = []
    position = 0
    for mention in sorted((h for h in highlights if h.field == field), key=lambda h: h.start):
        if not position <= mention.start < mention.end <= len(text):
            continue
        spans.append(_Span(text[position : mention.start]))
        spans.append(_Span(text[mention.start : mention.end], mark=True))
        position = mention.end
    spans.append(_Span(text[position:]))
    cleaned = [_Span(_line(s.text, strip=False), mark=s.mark) for s in spans]
    if cleaned:
        cleaned[0] = _Span(cleaned[0].text.lstrip(), mark=cleaned[0].mark)
        cleaned[-1] = _Span(cleaned[-1].text.rstrip(), mark=cleaned[-1].mark)
    return tuple(span for span in cleaned if span.text)


def _line(text: str, *, strip: bool = True) -> str:
    """One line of untrusted text: no control or format characters, whitespace runs collapsed."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    collapsed = _SPACES.sub(" ", kept)
    return collapsed.strip() if strip else collapsed


def _link(url: str) -> _Span:
    """A link when ``url`` is http(s); anything else (``javascript:``...) stays inert text."""
    url = _line(url)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    return _Span(url, href=url if scheme in ("http", "https") else None)


def _names(names: Sequence[str], *, limit: int | None = None, others: str = "nguồn") -> str:
    """``A, B, C`` or, past ``limit``, ``A, B và 3 <others> khác``."""
    cleaned = [_line(name) for name in names if _line(name)]
    if limit is not None and len(cleaned) > limit:
        return ", ".join(cleaned[:limit]) + f" và {len(cleaned) - limit} {others} khác"
    return ", ".join(cleaned)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:—-") + "…"


def _aware(dt: datetime) -> datetime:
    # Views promise aware UTC; a naive time is read as UTC rather than as the server's zone.
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _local(dt: datetime) -> datetime:
    return _aware(dt).astimezone(LOCAL_ZONE)


def _when(dt: datetime) -> str:
    """``07:05 22/11/2026`` in Vietnam time: the hour first, as officers say it."""
    return _local(dt).strftime("%H:%M %d/%m/%Y")


def _iso_utc(dt: datetime) -> str:
    return _aware(dt).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} phút"
    return f"{hours} giờ" + (f" {rest} phút" if rest else "")


def _domain_of(sender: str | None) -> str:
    if sender:
        _, address = email.utils.parseaddr(sender)
        if "@" in address:
            domain = address.rpartition("@")[2].strip().rstrip(".").lower()
            try:
                domain = domain.encode("idna").decode("ascii")
            except UnicodeError:
                domain = ""
            if _DOMAIN.fullmatch(domain):
                return domain
    return DEFAULT_DOMAIN


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _nfc_json(value: object) -> object:
    if isinstance(value, str):
        return _nfc(value)
    if isinstance(value, list):
        return [_nfc_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc_json(v) for k, v in value.items()}
    return value
