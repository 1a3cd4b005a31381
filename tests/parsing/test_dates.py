"""Dates as Vietnamese feeds and portals write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.crawl.dates import parse_date

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("text", "iso", "offset"),
    [
        # Tuổi Trẻ: M/D/YYYY with a 12-hour clock and no zone -> Vietnamese local time.
        ("10/2/2026 9:25:00 AM", "2026-10-02T09:25:00+07:00", None),
        ("10/2/2026 12:05:00 AM", "2026-10-02T00:05:00+07:00", None),
        ("12/25/2025 2:30:00 PM", "2025-12-25T14:30:00+07:00", None),
        # GenK: two-digit offset.
        ("Mon, 05 Oct 2026 11:07:00 +07", "2026-10-05T11:07:00+07:00", 420),
        # VnExpress: RFC 822 with +0700.
        ("Mon, 05 Oct 2026 11:00:00 +0700", "2026-10-05T11:00:00+07:00", 420),
        # Thanh Niên: two-digit year.
        ("Mon, 05 Oct 26 14:10:00 +0700", "2026-10-05T14:10:00+07:00", 420),
        ("Tue, 10 Feb 2026 02:25:00 GMT", "2026-02-10T02:25:00+00:00", 0),
        ("Tue, 10 Feb 2026 02:25:00 EST", "2026-02-10T02:25:00-05:00", -300),
        ("Tue, 10 Feb 2026 09:25:00 ICT", "2026-02-10T09:25:00+07:00", 420),
        ("Tue, 10 Feb 2026 09:25:00 GMT+7", "2026-02-10T09:25:00+07:00", 420),
        ("Tue, 10 Feb 2026 09:25:00 +07:00", "2026-02-10T09:25:00+07:00", 420),
        ("Tue, 10 Feb 2026 09:25:00", "2026-02-10T09:25:00+07:00", None),
        ("10 Feb 2026 09:25 +0700", "2026-02-10T09:25:00+07:00", 420),
        # ISO 8601 / RFC 3339.
        ("2026-02-10T09:25:00+07:00", "2026-02-10T09:25:00+07:00", 420),
        ("2026-02-10T02:25:00Z", "2026-02-10T02:25:00+00:00", 0),
        ("2026-02-10T09:25:00.123+0700", "2026-02-10T09:25:00+07:00", 420),
        ("2026-02-10 09:25:00", "2026-02-10T09:25:00+07:00", None),
        ("2026-02-10", "2026-02-10T00:00:00+07:00", None),
        ("2026/02/10 09:25", "2026-02-10T09:25:00+07:00", None),
        # Vietnamese day-first forms.
        ("10/02/2026 09:25", "2026-02-10T09:25:00+07:00", None),
        ("10/02/2026", "2026-02-10T00:00:00+07:00", None),
        ("25/12/2025 14:30", "2025-12-25T14:30:00+07:00", None),
        ("10-02-2026 09:25:00 +07:00", "2026-02-10T09:25:00+07:00", 420),
        ("10.02.2026", "2026-02-10T00:00:00+07:00", None),
        ("(12/02/2026)", "2026-02-12T00:00:00+07:00", None),
        ("Thứ hai, 10/2/2026, 09:25 (GMT+7)", "2026-02-10T09:25:00+07:00", 420),
        ("Thứ Ba, 10/02/2026 - 09:25", "2026-02-10T09:25:00+07:00", None),
        ("Thứ ba, 10/2/2026 09:25 AM", "2026-02-10T09:25:00+07:00", None),
        ("Cập nhật lúc 9h25 ngày 10/2/2026", "2026-02-10T09:25:00+07:00", None),
        ("09:25 10/02/2026 GMT+07:00", "2026-02-10T09:25:00+07:00", 420),
        ("10/02/2026 02:30 CH", "2026-02-10T14:30:00+07:00", None),
        ("ngày 10 tháng 2 năm 2026", "2026-02-10T00:00:00+07:00", None),
        ("February 10, 2026 9:25 AM", "2026-02-10T09:25:00+07:00", None),
    ],
)
def test_written_dates_are_read_with_their_offset(text: str, iso: str, offset: int | None) -> None:
    value, written_offset = parse_date(text)
    assert value is not None
    assert value.isoformat() == iso
    assert written_offset == offset


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "garbage", "hôm qua", "Feb 2026", "32/13/2026", "10/02", "99:99",
     "Mon, 05 Oct 2026 11:07:00 +99", "1/1/1850", "x" * 500],
)  # fmt: skip
def test_unreadable_dates_give_none_and_no_error(text: str | None) -> None:
    assert parse_date(text) == (None, None)


def test_a_date_without_zone_is_vietnamese_local_time() -> None:
    value, offset = parse_date("10/02/2026 09:25")
    assert value == datetime(2026, 2, 10, 2, 25, tzinfo=UTC)
    assert value is not None and value.utcoffset() == timedelta(hours=7)
    assert offset is None


def test_vietnamese_text_is_read_in_any_unicode_form() -> None:
    decomposed = "Thu\u031b\u0301 hai, 10/2/2026, 09:25 (GMT+7)"  # "Thứ" written with marks
    assert parse_date(decomposed)[0] == datetime(2026, 2, 10, 9, 25, tzinfo=VN)
