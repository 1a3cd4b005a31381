"""Long Vietnamese subjects keep every space once encoded, folded and decoded again."""

from __future__ import annotations

import email
import email.policy
import random

from monitor.alerts.channels import build_email
from monitor.alerts.views import OutgoingMessage
from tests.alerts.newsroom import CASES

# A subject the stdlib folder of Python 3.11 turned into "... ở Đức Phổlà sai sự thật".
SEEN_BROKEN = (
    "[THƯỜNG] Thông tin sai sự thật, xuyên tạc · Đức Phổ: Thông tin 'vỡ hồ chứa nước Liệt Sơn' "
    "ở Đức Phổ là sai sự thật"
)
# Words of the end-to-end press items, drawn at random into subjects of every length.
WORDS = tuple(word for case in CASES for news in case.items for word in news.title.split())


def subjects() -> list[str]:
    rng = random.Random(20261122)
    made = [SEEN_BROKEN]
    for _ in range(300):
        made.append("[KHẨN] " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 40))))
    return made


def sent_and_read(subject: str) -> tuple[str, list[bytes]]:
    message = OutgoingMessage(
        alert_id=1,
        kind="alert",
        message_id="<alert-1@ducpho.example.org>",
        recipients=("vanhoa@ducpho.example.org",),
        office_id="vhxh-ducpho",
        office_name="Phòng Văn hóa - Xã hội phường Đức Phổ",
        subject=subject,
        text="nội dung",
        html="<p>nội dung</p>",
    )
    raw = build_email(message, "canhbao@ducpho.example.org").as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return str(parsed["Subject"]), head


def test_every_space_of_a_long_vietnamese_subject_survives_folding() -> None:
    for subject in subjects():
        read, _ = sent_and_read(subject)
        assert read == subject


def test_folded_subject_lines_stay_within_78_characters_and_ascii() -> None:
    for subject in subjects():
        _, head = sent_and_read(subject)
        assert all(len(line) <= 78 and line.isascii() for line in head), head


def test_an_ascii_subject_is_left_readable() -> None:
    read, head = sent_and_read("[TEST] Media Monitor")
    assert read == "[TEST] Media Monitor"
    assert b"Subject: [TEST] Media Monitor" in head
