"""Publication dates as Vietnamese outlets actually write them.

Feeds and portals here rarely follow RFC 822: Tuổi Trẻ writes ``10/2/2026 9:25:00 AM`` (US order,
no zone), GenK ``+07``, Thanh Niên two-digit years, portals ``Thứ hai, 10/2/2026, 09:25 (GMT+7)``.
A time written without a zone is Vietnamese local time.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

__all__ = ["VIETNAM", "parse_date"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

_MIN_YEAR, _MAX_YEAR = 1990, 2100
_MAX_OFFSET_MINUTES = 14 * 60

# Zone abbreviations seen in feeds; ambiguous ones (IST, BST in some feeds) are left out on purpose.
_NAMED_ZONES: dict[str, int] = {
    "Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "ICT": 420, "WIB": 420,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180,
    "SGT": 480, "HKT": 480, "AWST": 480, "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660,
}  # fmt: skip

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
        ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
        ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
        ("dec", "december"),
    ),
    start=1,
):  # fmt: skip
    for _name in _names:
        _MONTHS[_name] = _number

_OFFSET = r"[+-]\s?\d{1,2}(?::?\d{2})?"
_ZONE = rf"(?:(?:GMT|UTC|UT)\s?{_OFFSET}|{_OFFSET}|[A-Za-z]{{1,5}})"

_RFC822 = re.compile(
    rf"""^(?:[A-Za-z]{{2,9}}\.?,?\s+)?
    (?P<day>\d{{1,2}})[\s-]+(?P<month>[A-Za-z]{{3,9}})\.?[\s-]+(?P<year>\d{{4}}|\d{{2}})
    (?:\s+|\s*,\s*|T)(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?::(?P<second>\d{{2}}))?(?:\.\d+)?
    \s*(?P<zone>{_ZONE})?$""",
    re.VERBOSE,
)
_ISO_LIKE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{4}|\d{2})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?!\d)")
_VI_WORDS_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*,\s*|\s+năm\s+|\s+)(\d{4})(?!\d)", re.IGNORECASE
)
# "9:25", "09:25:00", and the Vietnamese "9h25" / "9g25".
_TIME = re.compile(
    r"(?<![\d:])(\d{1,2})\s?(?::|h|g)\s?(\d{2})(?::(\d{2}))?(?:[.,]\d+)?(?!\d)"
    r"(?:\s*(AM|PM|A\.M\.|P\.M\.|SA|CH)\b)?",
    re.IGNORECASE,
)
_ZONE_IN_TEXT = re.compile(
    rf"(?:\b(?:GMT|UTC)\s?(?P<gmt>{_OFFSET})?\b|(?P<numeric>{_OFFSET})\s*\)?\s*$|\b(?P<named>ICT)\b)"
)
_VIETNAMESE_WORDS = re.compile(
    r"\b(thứ|chủ nhật|ngày|tháng|năm|lúc|giờ|sáng|chiều|tối|cập nhật|đăng|hôm nay)\b",
    re.IGNORECASE,
)


def parse_date(text: str | None) -> tuple[datetime | None, int | None]:
    """Return the aware datetime ``text`` names and the UTC offset written with it, in minutes.

    The offset is ``None`` when no zone was written; the datetime is then Vietnamese local time
    (Asia/Ho_Chi_Minh). Unreadable or implausible dates give ``(None, None)``, never an error.
    """
    if not text:
        return None, None
    cleaned = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not cleaned or len(cleaned) > 200:
        return None, None
    for reader in (_read_iso, _read_rfc822, _read_numeric, _read_dateutil):
        try:
            found = reader(cleaned)
        except (ValueError, OverflowError, TypeError):
            found = None
        if found is not None:
            return found
    return None, None


def _finish(
    year: int, month: int, day: int, hour: int, minute: int, second: int, offset: int | None
) -> tuple[datetime, int | None] | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    if offset is not None and abs(offset) > _MAX_OFFSET_MINUTES:
        return None
    zone: tzinfo = VIETNAM if offset is None else timezone(timedelta(minutes=offset))
    try:
        value = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    return value, offset


def _full_year(year: int) -> int:
    if year >= 100:
        return year
    return 2000 + year if year < 70 else 1900 + year


def _offset_minutes(zone: str) -> int | None:
    """Return the offset a zone token names; ``ValueError`` when it names nothing known."""
    token = zone.replace(" ", "").upper()
    for prefix in ("GMT", "UTC", "UT"):
        if token.startswith(prefix) and len(token) > len(prefix):
            token = token[len(prefix) :]
            break
    if token in _NAMED_ZONES:
        return _NAMED_ZONES[token]
    match = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", token)
    if match is None:
        # "+0700" arrives here as four digits without a colon.
        match = re.fullmatch(r"([+-])(\d{2})(\d{2})", token)
    if match is None:
        raise ValueError(f"unknown zone {zone!r}")
    sign = -1 if match.group(1) == "-" else 1
    return sign * (int(match.group(2)) * 60 + int(match.group(3) or 0))


def _read_iso(text: str) -> tuple[datetime, int | None] | None:
    if not _ISO_LIKE.match(text):
        return None
    normalised = text.replace(",", ".").replace(" ", "T", 1).replace("Z", "+00:00")
    normalised = re.sub(r"\s+(?=[+-]\d{2})", "", normalised)
    # Python 3.11 wants "+HH:MM"; feeds also write "+07" and "+0700".
    normalised = re.sub(r"([+-])(\d{2})$", r"\1\2:00", normalised)
    normalised = re.sub(r"([+-])(\d{2})(\d{2})$", r"\1\2:\3", normalised)
    value = datetime.fromisoformat(normalised)
    offset = None
    if value.tzinfo is not None:
        delta = value.utcoffset()
        offset = int(delta.total_seconds() // 60) if delta is not None else None
    return _finish(
        value.year, value.month, value.day, value.hour, value.minute, value.second, offset
    )


def _read_rfc822(text: str) -> tuple[datetime, int | None] | None:
    match = _RFC822.match(text)
    if match is None:
        return None
    month = _MONTHS.get(match.group("month").lower())
    if month is None:
        return None
    zone = match.group("zone")
    offset = _offset_minutes(zone) if zone else None
    return _finish(
        _full_year(int(match.group("year"))),
        month,
        int(match.group("day")),
        int(match.group("hour")),
        int(match.group("minute")),
        int(match.group("second") or 0),
        offset,
    )


def _day_month(first: int, second: int, *, us_order: bool) -> tuple[int, int]:
    """Return (day, month) for ``first/second`` in an all-numeric date."""
    if first > 12 >= second:
        return first, second
    if second > 12 >= first:
        return second, first
    # Both could be a month. Vietnamese writes day first; only the US-style 12-hour clock that
    # Tuổi Trẻ's CMS emits ("10/2/2026 9:25:00 AM") means month first.
    return (second, first) if us_order else (first, second)


def _read_numeric(text: str) -> tuple[datetime, int | None] | None:
    vietnamese = bool(_VIETNAMESE_WORDS.search(text))
    rest = text
    match = _YMD.search(text)
    if match is not None:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        rest = text[: match.start()] + " " + text[match.end() :]
        time_match = _TIME.search(rest)
        meridiem = (time_match.group(4) or "") if time_match else ""
    else:
        match = _VI_WORDS_DATE.search(text)
        if match is not None:
            day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
            rest = text[: match.start()] + " " + text[match.end() :]
            time_match = _TIME.search(rest)
            meridiem = (time_match.group(4) or "") if time_match else ""
        else:
            match = _DMY.search(text)
            if match is None:
                return None
            rest = text[: match.start()] + " " + text[match.end() :]
            time_match = _TIME.search(rest)
            meridiem = (time_match.group(4) or "") if time_match else ""
            us_order = meridiem.upper().replace(".", "") in {"AM", "PM"} and not vietnamese
            day, month = _day_month(int(match.group(1)), int(match.group(2)), us_order=us_order)
            year = _full_year(int(match.group(3)))

    hour = minute = second = 0
    if time_match is not None:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
        marker = meridiem.upper().replace(".", "")
        if marker in {"PM", "CH"} and hour < 12:
            hour += 12
        elif marker in {"AM", "SA"} and hour == 12:
            hour = 0
        rest = rest[: time_match.start()] + " " + rest[time_match.end() :]

    offset = None
    zone_match = _ZONE_IN_TEXT.search(rest)
    if zone_match is not None:
        if zone_match.group("gmt") is not None:
            offset = _offset_minutes(zone_match.group("gmt"))
        elif zone_match.group("numeric") is not None:
            offset = _offset_minutes(zone_match.group("numeric"))
        elif zone_match.group("named") is not None:
            offset = _NAMED_ZONES[zone_match.group("named").upper()]
        else:
            offset = 0  # a bare "GMT" or "UTC"
    return _finish(year, month, day, hour, minute, second, offset)


_TZINFOS = {name: minutes * 60 for name, minutes in _NAMED_ZONES.items()}
# Two different defaults: a field dateutil fills from the default differs between the two parses,
# which is how a date missing its year or day is told apart from a complete one.
_DEFAULTS = (datetime(2001, 1, 1, 0, 0, 0), datetime(2002, 2, 2, 0, 0, 0))


def _read_dateutil(text: str) -> tuple[datetime, int | None] | None:
    if not re.search(r"\d", text) or not re.search(r"[A-Za-z]{3}", text):
        return None  # purely numeric forms were handled above, with Vietnamese rules
    first, second = (
        dateutil_parser.parse(text, default=default, dayfirst=True, tzinfos=_TZINFOS)
        for default in _DEFAULTS
    )
    if first.date() != second.date():
        return None
    offset = None
    if first.tzinfo is not None:
        delta = first.utcoffset()
        offset = int(delta.total_seconds() // 60) if delta is not None else None
    return _finish(
        first.year, first.month, first.day, first.hour, first.minute, first.second, offset
    )
