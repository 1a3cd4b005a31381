"""The gazetteer: counts of both eras, succession, and resolving configured localities."""

from __future__ import annotations

import pytest

from monitor.places.gazetteer import (
    ENGLISH_TYPES,
    OLD_SPELLINGS,
    UNIT_WORDS,
    Gazetteer,
    Unit,
    load_gazetteer,
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def _count(gaz: Gazetteer, era: str, level: str) -> int:
    return sum(1 for u in gaz.units.values() if u.era == era and u.level == level)


def _codes(units: list[Unit]) -> list[str]:
    return [u.code for u in units]


def test_current_era_has_34_provinces_and_3321_communes(gaz: Gazetteer) -> None:
    assert _count(gaz, "current", "province") == 34
    assert _count(gaz, "current", "commune") == 3321
    assert _count(gaz, "current", "district") == 0


def test_former_era_has_63_provinces_696_districts_10035_communes(gaz: Gazetteer) -> None:
    assert _count(gaz, "former", "province") == 63
    assert _count(gaz, "former", "district") == 696
    assert _count(gaz, "former", "commune") == 10035


def test_every_former_unit_has_existing_current_successors(gaz: Gazetteer) -> None:
    for unit in gaz.units.values():
        if unit.era == "current":
            assert unit.successors == ()
            continue
        assert unit.successors, unit
        for code in unit.successors:
            successor = gaz.get(code)
            assert successor.era == "current"
            expected = "province" if unit.level == "province" else "commune"
            assert successor.level == expected, (unit, successor)


def test_every_current_commune_has_a_predecessor(gaz: Gazetteer) -> None:
    for unit in gaz.units.values():
        if unit.era == "current" and unit.level == "commune":
            assert gaz.predecessors(unit.code), unit


def test_parents_exist_in_the_same_era(gaz: Gazetteer) -> None:
    for unit in gaz.units.values():
        for parent in (unit.province, unit.district):
            if parent is not None:
                assert gaz.get(parent).era == unit.era
        assert (unit.province is None) == (unit.level == "province")
        assert (unit.district is not None) == (unit.era == "former" and unit.level == "commune")


def test_names_are_bare_and_use_the_official_tone_placement(gaz: Gazetteer) -> None:
    names = {u.name for u in gaz.units.values()}
    assert "Hòa Bình" in names and "Hoà Bình" not in names
    prefixed = [u.name for u in gaz.units.values() if u.name.lower().startswith(("xã ", "phường "))]
    assert prefixed == ["Phường Đúc"]  # a real name in Huế, not a unit word
    assert gaz.get("f:w:19333").full_name == "phường 1"
    assert {u.type for u in gaz.units.values()} == set(ENGLISH_TYPES) == set(UNIT_WORDS)


def test_former_province_succeeds_to_current_one(gaz: Gazetteer) -> None:
    [quang_nam] = [u for u in gaz.named("Quảng Nam") if u.level == "province"]
    assert [gaz.get(c).name for c in quang_nam.successors] == ["Đà Nẵng"]
    [da_nang] = [u for u in gaz.provinces("current") if u.name == "Đà Nẵng"]
    assert {u.name for u in gaz.predecessors(da_nang.code)} == {"Đà Nẵng", "Quảng Nam"}


def test_former_district_succeeds_to_the_communes_of_its_communes(gaz: Gazetteer) -> None:
    duc_pho = gaz.get("f:d:534")
    assert duc_pho.full_name == "thị xã Đức Phổ"
    from_communes = {s for c in gaz.children(duc_pho.code) for s in c.successors}
    assert set(duc_pho.successors) == from_communes
    assert "c:w:21439" in duc_pho.successors  # phường Đức Phổ


def test_named_finds_by_accented_and_unaccented_forms(gaz: Gazetteer) -> None:
    accented = _codes(gaz.named("Đức Phổ"))
    assert "f:d:534" in accented and "c:w:21439" in accented
    assert sorted(_codes(gaz.named("duc pho"))) == sorted(accented)
    # An accented query does not pick up a differently accented name.
    assert all(u.name == "Tân Hòa" for u in gaz.named("Tân Hoà"))


def test_hierarchy(gaz: Gazetteer) -> None:
    quang_ngai_f = gaz.get("f:p:51")
    assert {u.level for u in gaz.children(quang_ngai_f.code)} == {"district"}
    assert len(gaz.descendants(quang_ngai_f.code)) > 150
    assert len(gaz.provinces()) == 97 and len(gaz.provinces("former")) == 63


@pytest.mark.parametrize(
    ("name", "province", "expected"),
    [
        ("Đức Phổ", "Quảng Ngãi", ["thị xã Đức Phổ (former)", "phường Đức Phổ (current)"]),
        ("Duc Pho", "Quang Ngai", ["thị xã Đức Phổ (former)", "phường Đức Phổ (current)"]),
        ("thị xã Đức Phổ", "tỉnh Quảng Ngãi", ["thị xã Đức Phổ (former)"]),
        ("TX. Đức Phổ", "T. Quảng Ngãi", ["thị xã Đức Phổ (former)"]),
        ("Bắc Kạn", "Bắc Kạn", ["tỉnh Bắc Kạn (former)"]),
        ("Bắc Kạn", "Bắc Cạn", ["tỉnh Bắc Kạn (former)"]),
        ("TP. Bắc Kạn", "Bắc Kạn", ["thành phố Bắc Kạn (former)"]),
        # The thị trấn became xã Bình Lư: no current unit is named Tam Đường.
        ("Tam Đường", "Lai Châu", ["huyện Tam Đường (former)", "thị trấn Tam Đường (former)"]),
        ("Vạn Ninh", "Khánh Hoà", ["huyện Vạn Ninh (former)", "xã Vạn Ninh (current)"]),
        # Quảng Nam merged into Đà Nẵng; xã Quế Minh became xã Quế Sơn (see docs/places.md).
        ("Quế Minh", "Quảng Nam", ["xã Quế Minh (former)"]),
        ("Móng Cái", "Quảng Ninh", ["thành phố Móng Cái (former)"]),
        ("Hòa Vang", "Đà Nẵng", ["huyện Hòa Vang (former)", "xã Hòa Vang (current)"]),
        (
            "Ea Kar",
            "Daklak",
            ["huyện Ea Kar (former)", "thị trấn Ea Kar (former)", "xã Ea Kar (current)"],
        ),
        ("Quận 1", "TP HCM", ["quận 1 (former)"]),
        ("Phú Vang", "Thừa Thiên Huế", ["huyện Phú Vang (former)", "xã Phú Vang (current)"]),
    ],
)
def test_resolve_locality(gaz: Gazetteer, name: str, province: str, expected: list[str]) -> None:
    got = [f"{u.full_name} ({u.era})" for u in gaz.resolve_locality(name, province)]
    assert got == expected


def test_resolve_locality_stays_in_the_province(gaz: Gazetteer) -> None:
    units = gaz.resolve_locality("Vạn Ninh", "Khánh Hòa")
    khanh_hoa = {p.code for p in gaz.resolve_province("Khánh Hòa")}
    assert all(u.province in khanh_hoa for u in units)
    assert len([u for u in gaz.named("Vạn Ninh")]) > len(units)


def test_resolve_locality_follows_a_merged_province_to_its_successor(gaz: Gazetteer) -> None:
    # Xã Quế Sơn is current (Đà Nẵng) and the locality is configured under former Quảng Nam.
    units = gaz.resolve_locality("Quế Sơn", "Quảng Nam")
    assert ("c:w:20641", "current") in [(u.code, u.era) for u in units]


def test_resolve_locality_errors_name_close_candidates(gaz: Gazetteer) -> None:
    with pytest.raises(ValueError, match=r"Đức Phổ"):
        gaz.resolve_locality("Đức Phố Xyz", "Quảng Ngãi")
    with pytest.raises(ValueError, match=r"unknown province 'Quang Ngay'.*Quảng Ngãi"):
        gaz.resolve_locality("Đức Phổ", "Quang Ngay")


def test_english_type(gaz: Gazetteer) -> None:
    assert gaz.english_type(gaz.get("f:d:534")) == "town"
    assert gaz.english_type(gaz.get("c:w:21439")) == "ward"


def test_old_spellings_point_at_real_units(gaz: Gazetteer) -> None:
    for official in OLD_SPELLINGS.values():
        assert gaz.named(official), official


def test_load_is_cached() -> None:
    assert load_gazetteer() is load_gazetteer()
