"""Normalisation: one matching form for every spelling of the same text, and offsets back."""

from __future__ import annotations

import random
import unicodedata

import pytest

from monitor.places.normalize import (
    fold,
    fold_with_offsets,
    normalize,
    normalize_with_offsets,
    place_tones,
)

SAMPLE = "Thị xã Đức Phổ (tỉnh Quảng Ngãi) – Hoà Bình, THUỶ  khoẻ!  người ngoài"


def test_nfc_and_nfd_input_normalize_the_same() -> None:
    assert normalize(unicodedata.normalize("NFD", SAMPLE)) == normalize(SAMPLE)
    assert fold(unicodedata.normalize("NFD", SAMPLE)) == fold(SAMPLE)


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("Hoà", "hòa"),
        ("hoá", "hóa"),
        ("Thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("tuỳ", "tùy"),
        ("thuỵ", "thụy"),
        ("qùy", "quỳ"),  # "qu" is an onset: the mark belongs on y
        ("gìa", "già"),  # so is "gi" before a vowel
        ("ngòai", "ngoài"),  # three vowels: the middle one
        ("hòang", "hoàng"),  # closed syllable: the last vowel
        ("ngừơi", "người"),  # a quality-marked vowel takes the mark
    ],
)
def test_tone_placement_variants_normalize_to_the_official_placement(
    variant: str, canonical: str
) -> None:
    assert normalize(variant) == canonical
    assert normalize(unicodedata.normalize("NFD", variant)) == canonical


def test_correctly_placed_tones_are_left_alone() -> None:
    text = "hòa thủy khỏe quý quỳnh gì giữa giường hoạch khuyến quyết khuỷu chuối thuở"
    assert normalize(text) == text


def test_words_that_are_not_one_vietnamese_syllable_keep_their_accents() -> None:
    assert normalize("Café Noël") == "café noël"


def test_punctuation_and_whitespace_fold_to_single_spaces() -> None:
    assert normalize("  Bà Rịa-Vũng Tàu;\n\tTP.HCM…  ") == "bà rịa vũng tàu tp hcm"
    assert normalize("phường 3, quận_10") == "phường 3 quận 10"


def test_fold_removes_diacritics_and_d_stroke() -> None:
    assert fold("Đắk Lắk, Thừa Thiên Huế") == "dak lak thua thien hue"
    assert fold("Hoà") == fold("Hòa") == "hoa"


def test_place_tones_keeps_case() -> None:
    assert place_tones("Thuỷ Nguyên HOÀ Khoẻ") == "Thủy Nguyên HÒA Khỏe"


def _assert_offsets_map_back(text: str, out: str, offsets: list[int], folded: bool) -> None:
    assert len(offsets) == len(out) + 1
    assert offsets[-1] == len(text)
    assert offsets == sorted(offsets)
    for i, ch in enumerate(out):
        source = text[offsets[i]]
        if ch == " ":
            assert not (source.isalnum() and source != "_"), (text, i)
        else:
            # Tone marks may move between letters of a word, so compare unaccented letters.
            assert fold(source)[:1] == fold(ch), (text, i, source, ch)
    assert (fold(text) if folded else normalize(text)) == out


def test_offsets_of_a_match_slice_the_original_text() -> None:
    text = unicodedata.normalize("NFD", "Tin từ  THỊ XÃ   Đức Phổ, Quảng Ngãi")
    out, offsets = normalize_with_offsets(text)
    i = out.index("đức phổ")
    j = i + len("đức phổ")
    assert text[offsets[i] : offsets[j]] == unicodedata.normalize("NFD", "Đức Phổ")
    fout, foffsets = fold_with_offsets(text)
    assert fout[i:j] == "duc pho" and foffsets == offsets


def test_offsets_survive_tone_moves_and_expanding_casefold() -> None:
    text = "Straße ở Hoà Bình"  # ß casefolds to "ss"
    out, offsets = normalize_with_offsets(text)
    assert out == "strasse ở hòa bình"
    assert text[offsets[out.index("hòa")] : offsets[out.index(" bình")]] == "Hoà"
    _assert_offsets_map_back(text, out, offsets, folded=False)


def test_empty_and_blank_text() -> None:
    assert normalize_with_offsets("") == ("", [0])
    assert normalize_with_offsets(" \n ,") == ("", [4])


_ALPHABET = (
    "aăâeêioôơuưyđbcdghklmnpqrstvx"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "AĂÂĐHOUƯY0123456789  \t\n,.-–()'’_!?"
)


def test_offsets_property_on_random_vietnamese_strings() -> None:
    """For random strings, NFC or NFD, every output character comes from its source."""
    rng = random.Random(20250701)
    for _ in range(2000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.5:
            text = unicodedata.normalize("NFD", text)
        out, offsets = normalize_with_offsets(text)
        _assert_offsets_map_back(text, out, offsets, folded=False)
        fout, foffsets = fold_with_offsets(text)
        _assert_offsets_map_back(text, fout, foffsets, folded=True)
