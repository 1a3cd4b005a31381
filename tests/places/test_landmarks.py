"""Landmarks place a text in a province; they are context, never mentions."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.models import Locality
from monitor.places.check_landmarks import check
from monitor.places.landmarks import load_landmarks, parse_landmarks
from monitor.places.matcher import REPORT_THRESHOLD, Matcher
from monitor.places.stage import matcher_for


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return matcher_for(
        (
            Locality(id="L2", name="Vạn Ninh", province="Khánh Hòa"),
            Locality(id="L4", name="Bắc Kạn", province="Bắc Kạn"),
        )
    )


def test_the_shipped_landmarks_pass_the_checker() -> None:
    errors, _warnings = check()
    assert errors == []
    assert len(load_landmarks()) > 900


def test_the_checker_names_the_line_of_a_bad_entry(tmp_path: Path) -> None:
    path = tmp_path / "landmarks.tsv"
    path.write_text(
        "# comment\n"
        "Khánh Hòa\tVạn Ninh\tvịnh\tVân Phong\tVan Phong Bay\n"
        "Khánh Hoà\tVạn Ninh\tđèo\tCả\t-\n"
        "Khánh Hòa\tVạn Ninh\tđầm\tMôn\n",
        encoding="utf-8",
    )
    errors, _ = check(path)
    assert {e.split(": ")[0] for e in errors} == {"landmarks.tsv:3", "landmarks.tsv:4"}
    assert any("tone placement" in e for e in errors)
    assert any("not a former province" in e for e in errors)
    assert any("columns" in e for e in errors)


def test_parsing_skips_comments_and_malformed_lines() -> None:
    (landmark,) = parse_landmarks(
        "# x\n\nKhánh Hòa\tVạn Ninh\tvịnh\tVân Phong\tVan Phong Bay\na\tb\n"
    )
    assert landmark.line == 3
    assert list(landmark.forms()) == ["vịnh Vân Phong", "Van Phong Bay"]


@pytest.mark.parametrize(
    "text",
    [
        "Ngư dân Vạn Ninh nuôi tôm hùm trên vịnh Vân Phong",
        "Vạn Ninh: du khách đổ về Van Phong Bay",
        "ngu dan van ninh nuoi tom hum tren vinh van phong",
    ],
)
def test_a_landmark_of_the_province_supports_a_shared_name(matcher: Matcher, text: str) -> None:
    assert {m.locality for m in matcher.match(text) if m.confidence >= REPORT_THRESHOLD} == {"L2"}


def test_a_landmark_where_a_namesake_lies_places_the_name_there(matcher: Matcher) -> None:
    text = "Khách thập phương về chùa Phật Tích rồi ghé Vạn Ninh"
    assert not [m for m in matcher.match(text) if m.confidence > 0]


def test_a_landmark_is_never_a_mention(matcher: Matcher) -> None:
    assert matcher.match("Hang Puông và thác Đầu Đẳng mùa nước lên") == []


def test_a_kind_word_in_lower_case_is_how_a_landmark_is_written(matcher: Matcher) -> None:
    """Cased text: "vịnh" is lower case and the name capitalised; a lower-case name is words."""
    text = "Ngư dân Vạn Ninh nuôi tôm hùm, vịnh vân phong"
    (mention,) = matcher.match(text)
    assert mention.confidence < REPORT_THRESHOLD


def test_a_pass_on_a_border_places_a_text_in_either_province(matcher: Matcher) -> None:
    text = "chieu nay minh ve van ninh tham ngoai, qua deo ca thay bien dep lam"
    assert {m.locality for m in matcher.match(text) if m.confidence >= REPORT_THRESHOLD} == {"L2"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mưa lớn làm sập tường rào ở Phổ Minh, không ai bị thương", set()),
        ("Phường Phổ Minh, thị xã Đức Phổ lát lại vỉa hè", {"L3"}),
        ("Du khách về chùa Phổ Minh ở Nam Định dâng hương", set()),
    ],
)
def test_a_unit_named_like_a_landmark_elsewhere_needs_context(
    text: str, expected: set[str]
) -> None:
    """Phổ Minh is a ward of Đức Phổ and the pagoda of Nam Định: bare, it could be either."""
    matcher = matcher_for((Locality(id="L3", name="Đức Phổ", province="Quảng Ngãi"),))
    assert {m.locality for m in matcher.match(text) if m.confidence >= REPORT_THRESHOLD} == expected


@pytest.mark.parametrize(
    "text",
    [
        "VẠN NINH: NGƯ DÂN SỬNG SỐT VÌ CÁ CHẾT",  # hang Sửng Sốt is in Quảng Ninh
        "dinh huong phat trien van ninh",
        "VẠN NINH MƯA SUỐT TUẦN LỄ",  # bãi Tuần Lễ is in Khánh Hòa
    ],
)
def test_landmark_names_that_are_words_place_nothing_in_text_without_case(
    matcher: Matcher, text: str
) -> None:
    (mention,) = matcher.match(text)
    assert "no context" in mention.reason
