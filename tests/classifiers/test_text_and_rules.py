"""Text reaches the models one way whatever its encoding, and rules find phrases in it."""

from __future__ import annotations

import unicodedata

from classifiers.rules import Rules
from classifiers.text import item_text, tokens, views


def test_nfc_and_nfd_and_tone_placement_give_the_same_features() -> None:
    nfc = "Tàu lạ xua đuổi ngư dân gần quần đảo Hoàng Sa, hoà bình"
    nfd = unicodedata.normalize("NFD", nfc.replace("hoà", "hòa"))
    assert views(nfc) == views(nfd)


def test_unaccented_text_meets_the_folded_view() -> None:
    assert (
        views("tau la xua duoi ngu dan o Hoang Sa").folded
        == views("Tàu lạ xua đuổi ngư dân ở Hoàng Sa").folded
    )


def test_teencode_is_expanded() -> None:
    assert views("mn ko dc chia se tin nay").accented == "mọi người không được chia se tin nay"


def test_token_spans_point_into_the_text_as_given_even_in_nfd() -> None:
    text = unicodedata.normalize("NFD", "Cột mốc biên giới số 79")
    for token in tokens(text):
        written = unicodedata.normalize("NFC", text[token.start : token.end]).casefold()
        assert written == token.text


def test_title_and_text_are_joined_by_a_newline() -> None:
    assert item_text("Tiêu đề", "Nội dung") == "Tiêu đề\nNội dung"
    assert item_text(None, "Nội dung") == "Nội dung"


def test_a_rule_phrase_matches_with_or_without_accents_and_gives_its_span() -> None:
    rules = Rules.of({"sovereignty": ["Đá Ba Đầu"]})
    for text in ("Tàu lạ neo đậu ở đá Ba Đầu", "tau la neo dau o da ba dau"):
        hits = rules.match(text)["sovereignty"]
        assert len(hits) == 1
        assert text[hits[0].start : hits[0].end].casefold() in ("đá ba đầu", "da ba dau")
        assert hits[0].phrase == "Đá Ba Đầu"


def test_a_rule_phrase_does_not_match_inside_other_words() -> None:
    rules = Rules.of({"distortion": ["tin giả"]})
    assert rules.match("tin giản dị") == {}
    assert not Rules.of({})
