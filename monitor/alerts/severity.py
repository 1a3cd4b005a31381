"""How urgent a story is: a few plain signals added up, each with its reason in Vietnamese.

Officers must be able to see why something was marked urgent, so the score is a short sum of
named signals rather than a learned number: how sure the topic model is, the tone, who
published it (foreign press, national press), how fast it is spreading compared with what is
usual for the locality, and whether a configured keyword rule fired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.config.models import Severity

SEVERITIES: tuple[Severity, ...] = ("urgent", "normal", "info")
RANK: dict[str, int] = {"urgent": 2, "normal": 1, "info": 0}

URGENT_POINTS = 4
SURE = 0.85  # a topic score this high counts as a sure call
WIDE = 5  # this many outlets is wide reach
FAST_MIN_ITEMS = 3  # at least this many items in the last hour…
FAST_FACTOR = 3.0  # …and this many times the locality's usual hourly rate is fast spread


@dataclass(frozen=True)
class Signals:
    """What is known about a story when its severity is assessed."""

    topics: Sequence[str]  # labels given to any of its items
    scores: Mapping[str, float]  # highest score per label over its items
    tone: str | None
    foreign_outlets: int
    national_outlets: int  # domestic outlets that are not local to the locality's province
    outlet_count: int
    items_last_hour: int
    baseline_per_hour: float  # the locality's usual relevant items per hour (last 7 days)
    rule_hits: Sequence[str] = ()  # configured phrases that fired


def assess(s: Signals) -> tuple[Severity, tuple[str, ...]]:
    """``(severity, reasons)``: info without a topic; urgent at URGENT_POINTS or more."""
    if not s.topics:
        return "info", ("không thuộc chủ đề cần theo dõi",)
    points = 0
    reasons: list[str] = []
    top = max((s.scores.get(t, 0.0) for t in s.topics), default=0.0)
    if top >= SURE:
        points += 2
        reasons.append(f"mô hình chắc chắn về chủ đề ({top:.2f})")
    else:
        points += 1
        reasons.append(f"mô hình gắn chủ đề ({top:.2f})")
    if s.rule_hits:
        points += 2
        reasons.append("khớp từ khóa đã cấu hình: " + ", ".join(sorted(set(s.rule_hits))[:5]))
    if s.tone == "negative":
        points += 1
        reasons.append("sắc thái tiêu cực")
    if s.foreign_outlets:
        points += 2
        reasons.append(f"báo nước ngoài đăng ({s.foreign_outlets} trang)")
    if s.outlet_count >= WIDE:
        points += 1
        reasons.append(f"nhiều trang đăng lại ({s.outlet_count} trang)")
    elif s.national_outlets:
        points += 1
        reasons.append("báo trung ương đăng")
    if s.items_last_hour >= FAST_MIN_ITEMS and s.items_last_hour >= FAST_FACTOR * max(
        s.baseline_per_hour, 0.1
    ):
        points += 2
        reasons.append(
            f"lan nhanh: {s.items_last_hour} tin trong 1 giờ "
            f"(bình thường {s.baseline_per_hour:.1f} tin/giờ)"
        )
    severity: Severity = "urgent" if points >= URGENT_POINTS else "normal"
    return severity, tuple(reasons)


def at_least(severity: str, minimum: str) -> bool:
    return RANK.get(severity, 0) >= RANK.get(minimum, 0)
