"""Rendering: subjects and tags, Vietnam time, highlights, escaping, digest, summary, identity."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from monitor.alerts.render import (
    TOPIC_REMINDER,
    message_id_for,
    render_alert,
    render_digest,
    render_summary,
    render_test,
)
from monitor.alerts.views import (
    Highlight,
    ItemView,
    OutgoingMessage,
    Severity,
    StoryView,
    TopicView,
)

SENDER = "Media Monitor <monitor@ducpho.example.org>"
OFFICE = ("vhtt-ducpho", "Phòng Văn hóa và Thông tin thị xã Đức Phổ")
RECIPIENTS = ("vanhoa@ducpho.example.org", "lanhdao@ducpho.example.org")
SOVEREIGNTY = TopicView("sovereignty", "Chủ quyền", 0.91, ("tàu lạ", "Hoàng Sa"))
HUMAN_RIGHTS = TopicView("human_rights", "Nhân quyền", 0.55, ("tự do ngôn luận",))
DISTORTION = TopicView("distortion", "Xuyên tạc", 0.7, ("bịa đặt",))


def item(
    title: str = "Ngư dân Đức Phổ bị tàu lạ xua đuổi gần Hoàng Sa",
    *,
    item_id: int = 1,
    outlet: str = "Báo Quảng Ngãi",
    url: str = "https://baoquangngai.vn/ngu-dan-duc-pho-123.htm",
    published_at: datetime = datetime(2026, 11, 22, 0, 5, tzinfo=UTC),
    snippet: str = "",
    foreign: bool = False,
    mention: str | None = "Đức Phổ",
) -> ItemView:
    highlights: tuple[Highlight, ...] = ()
    if mention is not None and mention in title:
        start = title.index(mention)
        highlights = (Highlight("title", start, start + len(mention), mention),)
    return ItemView(
        item_id=item_id,
        title=title,
        url=url,
        outlet=outlet,
        foreign=foreign,
        published_at=published_at,
        snippet=snippet,
        highlights=highlights,
        topics=(SOVEREIGNTY,),
    )


def story(
    lead: ItemView | None = None,
    *,
    story_id: int = 7,
    severity: Severity = "urgent",
    item_count: int = 5,
    outlets: tuple[str, ...] = ("Báo Quảng Ngãi", "VnExpress", "BBC Tiếng Việt"),
    foreign_outlets: tuple[str, ...] = ("BBC Tiếng Việt",),
    topics: tuple[TopicView, ...] = (SOVEREIGNTY,),
) -> StoryView:
    return StoryView(
        story_id=story_id,
        lead=lead or item(),
        item_count=item_count,
        outlets=outlets,
        foreign_outlets=foreign_outlets,
        severity=severity,
        reasons=("Báo nước ngoài đưa tin", "Nhiều nguồn đưa tin trong 2 giờ"),
        topics=topics,
        localities=("Đức Phổ",),
    )


def alert(s: StoryView | None = None, **kwargs: object) -> OutgoingMessage:
    options: dict[str, object] = {
        "ack_url": "https://monitor.example.org/ack/42/abc",
        "sender": SENDER,
        **kwargs,
    }
    kind = options.pop("kind", "alert")
    return render_alert(42, kind, *OFFICE, RECIPIENTS, s or story(), **options)  # type: ignore[arg-type]


def assert_nfc(message: OutgoingMessage) -> None:
    for text in (message.subject, message.text, message.html):
        assert unicodedata.is_normalized("NFC", text)


# --- subjects and tags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "tag"), [("urgent", "KHẨN"), ("normal", "THƯỜNG"), ("info", "THÔNG TIN")]
)
def test_subject_has_severity_topics_localities_and_title(severity: Severity, tag: str) -> None:
    message = alert(story(severity=severity))
    assert message.subject == (
        f"[{tag}] Chủ quyền · Đức Phổ: Ngư dân Đức Phổ bị tàu lạ xua đuổi gần Hoàng Sa"
    )
    assert message.headers["X-Monitor-Severity"] == severity
    assert_nfc(message)


def test_subject_names_every_topic() -> None:
    message = alert(story(topics=(SOVEREIGNTY, HUMAN_RIGHTS)))
    assert message.subject.startswith("[KHẨN] Chủ quyền, Nhân quyền · Đức Phổ: ")


def test_many_localities_are_cut_short_in_the_subject() -> None:
    places = ("Đức Phổ", "Ba Tơ", "Sơn Tịnh", "Lý Sơn", "Mộ Đức")
    message = alert(replace(story(), localities=places))
    assert "· Đức Phổ, Ba Tơ, Sơn Tịnh và 2 địa bàn khác: " in message.subject
    assert "Địa bàn: Đức Phổ, Ba Tơ, Sơn Tịnh, Lý Sơn, Mộ Đức" in message.text


def test_update_is_tagged_and_says_what_changed() -> None:
    message = alert(
        story(topics=(SOVEREIGNTY, HUMAN_RIGHTS)),
        kind="update",
        previous=(2, 1),
        new_foreign_outlets=("BBC Tiếng Việt",),
        new_topics=("human_rights",),
    )
    assert message.subject.startswith("[CẬP NHẬT] [KHẨN] Chủ quyền, Nhân quyền · Đức Phổ: ")
    assert message.subject.endswith(
        " — thêm 2 nguồn, thêm 3 bài, có báo nước ngoài, thêm chủ đề Nhân quyền"
    )
    assert (
        "Có gì mới: thêm 2 nguồn đưa tin (nay 3 nguồn); thêm 3 bài (nay 5 bài); "
        "báo nước ngoài đưa tin: BBC Tiếng Việt; thêm chủ đề: Nhân quyền." in message.text
    )
    assert message.headers["X-Monitor-Kind"] == "update"
    assert message.payload["changes"] == [
        "thêm 2 nguồn đưa tin (nay 3 nguồn)",
        "thêm 3 bài (nay 5 bài)",
        "báo nước ngoài đưa tin: BBC Tiếng Việt",
        "thêm chủ đề: Nhân quyền",
    ]


def test_update_without_counts_still_says_something_changed() -> None:
    message = alert(kind="update")
    assert message.subject.endswith(" — có diễn biến mới")
    assert "Có gì mới: tin đã báo có diễn biến mới." in message.text


def test_escalation_is_tagged() -> None:
    message = alert(kind="escalation")
    assert message.subject.startswith("[CHUYỂN CẤP] [KHẨN] Chủ quyền · Đức Phổ: ")
    assert "chưa được xác nhận trong thời hạn" in message.text


def test_long_title_is_shortened_in_the_subject_only() -> None:
    title = "Đức Phổ " + "rất dài " * 40
    message = alert(story(item(title)))
    assert message.subject.endswith("…")
    assert len(message.subject) < 200
    assert title.strip().split()[-1] in message.text


# --- body ---------------------------------------------------------------------------------------


def test_body_has_what_an_officer_needs() -> None:
    message = alert()
    for part in (message.text, message.html):
        assert "Báo Quảng Ngãi" in part
        assert "Chủ quyền" in part and "“tàu lạ”" in part and "“Hoàng Sa”" in part
        assert "Báo nước ngoài đưa tin" in part  # a reason
        assert "https://baoquangngai.vn/ngu-dan-duc-pho-123.htm" in part
        assert "5 bài trên 3 nguồn" in part
        assert "1 nguồn nước ngoài: BBC Tiếng Việt" in part
        assert TOPIC_REMINDER in part
    assert "Xác nhận đã nhận: https://monitor.example.org/ack/42/abc" in message.text
    assert '<a href="https://monitor.example.org/ack/42/abc">' in message.html
    assert "Nguồn: Báo Quảng Ngãi" in message.text
    assert_nfc(message)


def test_no_ack_line_without_ack_url() -> None:
    message = alert(ack_url=None)
    assert "Xác nhận đã nhận" not in message.text
    assert "Xác nhận đã nhận" not in message.html


def test_foreign_lead_outlet_is_marked() -> None:
    message = alert(story(item(outlet="BBC Tiếng Việt", foreign=True)))
    assert "Nguồn: BBC Tiếng Việt (báo nước ngoài)" in message.text


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        (datetime(2026, 11, 22, 0, 5, tzinfo=UTC), "07:05 22/11/2026 (giờ Việt Nam)"),
        # 18:30 UTC is already the next day in Vietnam (UTC+7).
        (datetime(2026, 11, 21, 18, 30, tzinfo=UTC), "01:30 22/11/2026 (giờ Việt Nam)"),
    ],
)
def test_time_is_shown_in_vietnam_time(utc: datetime, shown: str) -> None:
    message = alert(story(item(published_at=utc)))
    assert f"Thời gian đăng: {shown}" in message.text
    assert shown in message.html
    lead = message.payload["lead"]
    assert isinstance(lead, dict)
    assert lead["published_at"] == utc.isoformat().replace("+00:00", "Z")


def test_locality_mention_is_highlighted_where_it_is() -> None:
    message = alert()
    assert "Ngư dân «Đức Phổ» bị tàu lạ xua đuổi gần Hoàng Sa" in message.text
    assert "Ngư dân <mark>Đức Phổ</mark> bị tàu lạ xua đuổi gần Hoàng Sa" in message.html


def test_mention_in_the_snippet_is_highlighted_there() -> None:
    snippet = "Sáng 22/11, tại vùng biển thị xã Đức Phổ, tàu cá QNg-90123 bị áp sát."
    start = snippet.index("Đức Phổ")
    lead = replace(
        item("Tàu cá bị áp sát", mention=None),
        snippet=snippet,
        highlights=(Highlight("snippet", start, start + len("Đức Phổ"), "Đức Phổ"),),
    )
    message = alert(story(lead))
    assert "Trích đoạn: “Sáng 22/11, tại vùng biển thị xã «Đức Phổ», tàu cá" in message.text
    assert "thị xã <mark>Đức Phổ</mark>, tàu cá" in message.html
    assert "«" not in message.subject


def test_decomposed_title_comes_out_composed_with_the_right_mention() -> None:
    # Some pages use decomposed Vietnamese (NFD); highlight offsets index that raw text.
    title = unicodedata.normalize("NFD", "Mưa lớn ở Đức Phổ, nhiều nhà bị ngập")
    mention = unicodedata.normalize("NFD", "Đức Phổ")
    message = alert(story(item(title, mention=mention)))
    assert "Mưa lớn ở «Đức Phổ», nhiều nhà bị ngập" in message.text
    assert "Mưa lớn ở <mark>Đức Phổ</mark>, nhiều" in message.html
    assert_nfc(message)


def test_bad_highlight_offsets_are_ignored() -> None:
    lead = replace(
        item(mention=None),
        highlights=(Highlight("title", 40, 400, "Đức Phổ"), Highlight("title", 5, 3, "x")),
    )
    message = alert(story(lead))
    assert "<mark>" not in message.html and "«" not in message.text
    assert "Ngư dân Đức Phổ bị tàu lạ xua đuổi gần Hoàng Sa" in message.text


def test_hostile_strings_are_escaped_in_html() -> None:
    title = 'Đức Phổ <script>alert("x")</script> & \'ngoặc\' "kép" <img src=x onerror=alert(1)>'
    lead = replace(
        item(title, url="javascript:alert(document.cookie)", outlet='<b onclick="x()">Báo</b>'),
        snippet="</p><iframe src=//evil></iframe>",
        topics=(TopicView("distortion", "Xuyên tạc", 0.8, ("<svg onload=alert(2)>",)),),
    )
    hostile = replace(
        story(lead, topics=()),
        reasons=("<style>body{display:none}</style>",),
        outlets=("<a href=//evil>x</a>",),
    )
    message = alert(hostile)
    body = message.html
    for raw in ("<script", "<img", "<iframe", "<svg", "<style", "<b ", "<a href=//evil"):
        assert raw not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "&amp; &#x27;ngoặc&#x27; &quot;kép&quot;" in body
    assert "<mark>Đức Phổ</mark>" in body
    assert 'href="javascript' not in body  # not a link, only text
    assert "javascript:alert(document.cookie)" in message.text
    # The text part is plain text: shown as written.
    assert title.replace("Đức Phổ", "«Đức Phổ»") in message.text


def test_line_breaks_in_a_title_cannot_reach_the_subject_header() -> None:
    title = "Đức Phổ\r\nBcc: everyone@example.org\u202e\x00 tin giả"
    message = alert(story(item(title)))
    assert "\r" not in message.subject and "\n" not in message.subject
    assert "\u202e" not in message.subject and "\x00" not in message.subject
    assert message.subject.endswith("Đức Phổ Bcc: everyone@example.org tin giả")


# --- headers, payload, identity -----------------------------------------------------------------


def test_headers_and_payload() -> None:
    message = alert()
    assert message.headers == {
        "X-Monitor-Alert-Id": "42",
        "X-Monitor-Kind": "alert",
        "X-Monitor-Office": "vhtt-ducpho",
        "X-Monitor-Story-Id": "7",
        "X-Monitor-Severity": "urgent",
    }
    payload = json.loads(json.dumps(message.payload))  # JSON-serialisable as it is
    assert payload["alert_id"] == 42
    assert payload["kind"] == "alert"
    assert payload["office"] == {"id": OFFICE[0], "name": OFFICE[1]}
    assert payload["severity"] == "urgent"
    assert payload["story_id"] == 7
    assert payload["lead"] == {
        "item_id": 1,
        "title": "Ngư dân Đức Phổ bị tàu lạ xua đuổi gần Hoàng Sa",
        "url": "https://baoquangngai.vn/ngu-dan-duc-pho-123.htm",
        "outlet": "Báo Quảng Ngãi",
        "foreign": False,
        "published_at": "2026-11-22T00:05:00Z",
    }
    assert payload["topics"] == [
        {
            "label": "sovereignty",
            "name": "Chủ quyền",
            "score": 0.91,
            "terms": ["tàu lạ", "Hoàng Sa"],
        }
    ]
    assert payload["localities"] == ["Đức Phổ"]
    assert payload["item_count"] == 5
    assert payload["outlets"] == ["Báo Quảng Ngãi", "VnExpress", "BBC Tiếng Việt"]


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        (SENDER, "<alert-42@ducpho.example.org>"),
        ("canhbao@QuangNgai.GOV.vn", "<alert-42@quangngai.gov.vn>"),
        ("Giám sát <giamsat@đứcphổ.vn>", "<alert-42@xn--cph-uqa7129alda.vn>"),
        (None, "<alert-42@media-monitor.local>"),
        ("not an address", "<alert-42@media-monitor.local>"),
        ("x@bad domain!", "<alert-42@media-monitor.local>"),
    ],
)
def test_message_id_comes_from_the_sender_domain(sender: str | None, expected: str) -> None:
    assert message_id_for(42, sender) == expected


def test_same_alert_renders_the_same_message() -> None:
    first, second = alert(), alert()
    assert first == second
    assert first.message_id == "<alert-42@ducpho.example.org>"
    assert first.recipients == RECIPIENTS


# --- digest ---------------------------------------------------------------------------------------


def digest_stories() -> list[StoryView]:
    return [
        story(
            story_id=1,
            severity="normal",
            item_count=2,
            outlets=("Báo Quảng Ngãi",),
            foreign_outlets=(),
        ),
        story(
            item("Tranh cãi về Đức Phổ trên mạng", item_id=2),
            story_id=2,
            item_count=4,
            topics=(HUMAN_RIGHTS, DISTORTION),
        ),
        story(item("Đức Phổ: tàu lạ lại xuất hiện", item_id=3), story_id=3, item_count=1),
        story(
            replace(item("Lễ hội cầu ngư ở Đức Phổ", item_id=4), topics=()), story_id=4, topics=()
        ),
    ]


def test_digest_groups_stories_by_topic_with_counts() -> None:
    message = render_digest(
        50,
        *OFFICE,
        RECIPIENTS,
        digest_stories(),
        since=datetime(2026, 11, 21, 0, 0, tzinfo=UTC),
        until=datetime(2026, 11, 22, 0, 0, tzinfo=UTC),
        sender=SENDER,
    )
    heading = "Bản tin tổng hợp ngày 22/11/2026 — Phòng Văn hóa và Thông tin thị xã Đức Phổ"
    assert message.subject == f"{heading}: 4 tin được gắn cờ"
    text = message.text
    assert text.startswith(heading)
    assert "Từ 07:00 21/11/2026 đến 07:00 22/11/2026 (giờ Việt Nam): 4 tin, 12 bài." in text
    sovereignty = text.index("Chủ quyền — 2 tin, 3 bài")
    distortion = text.index("Xuyên tạc — 1 tin, 4 bài")
    no_topic = text.index("Chưa xếp chủ đề — 1 tin, 5 bài")
    assert sovereignty < distortion < no_topic
    # Within a topic the more severe story comes first.
    assert text.index("tàu lạ lại xuất hiện", sovereignty) < text.index(
        "Ngư dân «Đức Phổ»", sovereignty
    )
    # A story with two topics is listed once, under its strongest, naming the other.
    assert text.count("Tranh cãi về") == 1
    assert "cũng thuộc: Nhân quyền" in text
    assert "<h3" in message.html and "Chủ quyền — 2 tin, 3 bài" in message.html
    assert message.headers["X-Monitor-Kind"] == "digest"
    assert len(message.payload["stories"]) == 4  # type: ignore[arg-type]
    assert_nfc(message)


def test_empty_digest_is_one_line() -> None:
    message = render_digest(
        51,
        *OFFICE,
        RECIPIENTS,
        [],
        since=datetime(2026, 11, 21, 0, 0, tzinfo=UTC),
        until=datetime(2026, 11, 22, 0, 0, tzinfo=UTC),
        sender=SENDER,
    )
    line = "Không có tin nào được gắn cờ từ 07:00 21/11/2026 đến 07:00 22/11/2026 (giờ Việt Nam)."
    assert line in message.text
    assert line in message.html
    assert message.subject.endswith(": không có tin nào được gắn cờ")
    assert TOPIC_REMINDER not in message.text


def test_digest_of_a_calendar_day_is_named_after_that_day() -> None:
    # 00:00 → 24:00 Vietnam time on 22/11 is 17:00 UTC on 21/11 → 17:00 UTC on 22/11.
    message = render_digest(
        52,
        *OFFICE,
        RECIPIENTS,
        [],
        since=datetime(2026, 11, 21, 17, 0, tzinfo=UTC),
        until=datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
        sender=SENDER,
    )
    assert "ngày 22/11/2026" in message.subject


# --- summary and test message -------------------------------------------------------------------


def test_summary_lists_every_held_alert() -> None:
    held = digest_stories()[:3]
    message = render_summary(
        60, *OFFICE, RECIPIENTS, held, sender=SENDER, window_minutes=15, summarised_ids=[5, 6, 7]
    )
    assert message.subject == "[TỔNG HỢP] 3 tin được gắn cờ trong 15 phút"
    assert message.headers["X-Monitor-Summarised"] == "5,6,7"
    assert message.headers["X-Monitor-Kind"] == "summary"
    assert "3 cảnh báo trong 15 phút qua được gộp vào thư này" in message.text
    for s in held:
        assert s.lead.url in message.text
        assert s.lead.url in message.html
    assert message.text.count("Báo Quảng Ngãi, 07:05 22/11/2026") == 3
    assert "[KHẨN]" in message.text and "[THƯỜNG]" in message.text
    assert message.payload["summarised_alert_ids"] == [5, 6, 7]
    assert_nfc(message)


def test_summary_window_in_hours() -> None:
    message = render_summary(
        61, *OFFICE, RECIPIENTS, [story()], sender=None, window_minutes=90, summarised_ids=[1]
    )
    assert message.subject == "[TỔNG HỢP] 1 tin được gắn cờ trong 1 giờ 30 phút"


def test_test_message() -> None:
    message = render_test(70, *OFFICE, RECIPIENTS, sender=SENDER)
    assert message.subject == "[THỬ] Kiểm tra kênh gửi cảnh báo"
    assert message.kind == "test"
    assert OFFICE[1] in message.text
    assert message.headers["X-Monitor-Kind"] == "test"
    assert message.message_id == "<alert-70@ducpho.example.org>"
    assert_nfc(message)
