"""The matcher finds watched localities in every written form, and not their namesakes."""

from __future__ import annotations

import unicodedata

import pytest

from monitor.config.models import Locality
from monitor.places.matcher import REPORT_THRESHOLD, Matcher
from monitor.places.stage import matcher_for

LOCALITIES = (
    Locality(id="L1", name="Quế Minh", province="Quảng Nam"),
    Locality(id="L2", name="Vạn Ninh", province="Khánh Hòa"),
    Locality(id="L3", name="Đức Phổ", province="Quảng Ngãi", exclude=("văn hóa Sa Huỳnh",)),
    Locality(id="L4", name="Bắc Kạn", province="Bắc Kạn"),
    Locality(id="L5", name="Tam Đường", province="Lai Châu"),
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return matcher_for(LOCALITIES)


def found(matcher: Matcher, text: str) -> set[str]:
    return {m.locality for m in matcher.match(text) if m.confidence >= REPORT_THRESHOLD}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thị xã Đức Phổ ra quân dọn vệ sinh môi trường biển", {"L3"}),
        ("UBND TX. Đức Phổ họp bàn phương án chống bão", {"L3"}),
        ("Ngư dân phường Sa Huỳnh trúng mùa cá cơm", {"L3"}),
        ("Duc Pho town prepares for the storm", {"L3"}),
        ("mua lon qua, duong o thi xa duc pho ngap het roi", {"L3"}),
        ("Huyện Tam Đường, tỉnh Lai Châu phát triển chè Shan tuyết", {"L5"}),
        ("Tỉnh Bắc Cạn xưa nay là vùng đất cách mạng", {"L4"}),
        ("Hồ Ba Bể đón lượng khách kỷ lục", {"L4"}),
        ("Bac Kan province reports landslides after heavy rain", {"L4"}),
        ("Xã Quế Minh, thành phố Đà Nẵng tổ chức lễ hội", {"L1"}),
        ("Huyện Vạn Ninh, Khánh Hòa khẩn trương ứng phó bão", {"L2"}),
        ("Sa Huỳnh (Quảng Ngãi) và Vạn Ninh (Khánh Hòa) đón khách du lịch biển", {"L3", "L2"}),
    ],
)
def test_finds_the_locality_in_every_written_form(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) >= expected


@pytest.mark.parametrize(
    "text",
    [
        "Phường Vạn Ninh, thành phố Móng Cái, tỉnh Quảng Ninh đón khách Trung Quốc",
        "Xã Tam Dương, tỉnh Vĩnh Phúc thu hoạch lúa",
        "Anh Đức Phổ, chủ quán cà phê, kể chuyện",
        "Tỉnh Thái Nguyên đẩy mạnh chuyển đổi số",
        "Hội thảo về văn hóa Sa Huỳnh thu hút các nhà khảo cổ",
        "Giá vàng hôm nay tăng mạnh",
    ],
)
def test_ignores_namesakes_people_and_successor_provinces(matcher: Matcher, text: str) -> None:
    assert found(matcher, text) == set()


def test_offsets_point_into_the_text_as_given_even_in_nfd(matcher: Matcher) -> None:
    text = unicodedata.normalize("NFD", "Bão số 5 đổ bộ vào thị xã Đức Phổ, Quảng Ngãi")
    mentions = [m for m in matcher.match(text) if m.locality == "L3"]
    assert mentions
    for m in mentions:
        assert text[m.start : m.end] == m.surface
        assert unicodedata.normalize("NFC", m.surface).casefold().endswith("đức phổ")


def test_tone_mark_placement_does_not_matter(matcher: Matcher) -> None:
    assert found(matcher, "Mưa lớn ở Vạn Ninh, Khánh Hoà") == found(
        matcher, "Mưa lớn ở Vạn Ninh, Khánh Hòa"
    )
    assert "L2" in found(matcher, "Mưa lớn ở Vạn Ninh, Khánh Hoà")


def test_a_shared_name_without_context_is_kept_but_weak(matcher: Matcher) -> None:
    mentions = [m for m in matcher.match("Mưa lớn ở Vạn Ninh") if m.locality == "L2"]
    assert mentions and all(m.confidence < REPORT_THRESHOLD for m in mentions)


def test_a_local_outlet_supports_a_shared_name_unless_the_text_says_otherwise(
    matcher: Matcher,
) -> None:
    def strong(text: str, provinces: tuple[str, ...]) -> set[str]:
        mentions = matcher.match(text, outlet_provinces=provinces)
        return {m.locality for m in mentions if m.confidence >= REPORT_THRESHOLD}

    assert strong("Mưa lớn ở Vạn Ninh", ()) == set()
    assert strong("Mưa lớn ở Vạn Ninh", ("Khánh Hòa",)) == {"L2"}
    assert strong("Mưa lớn ở Vạn Ninh, Móng Cái, Quảng Ninh", ("Khánh Hòa",)) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # another place's name right after ours is not the rest of a person's name
        ("Tam Đường Lai Châu: lũ quét cuốn trôi cầu treo", {"L5"}),
        ("Bac Kan mua da, Tam Duong Lai Chau lu quet", {"L4", "L5"}),
        ("Boatmen on Ba Be Lake have switched to electric engines.", {"L4"}),
        # capitalised in the middle of lower-case text, an unaccented name is a name
        ("ai o Cho Don cho minh hoi duong vao khu ATK co ngap khong", {"L4"}),
        ("Homestays in Pac Ngoi village, a short drive from Cho Ra, are fully booked.", {"L4"}),
        # a typed mention of a name that bare means a city abroad
        ("Xã Côn Minh, huyện Na Rì trồng thêm 50 ha quế", {"L4"}),
    ],
)
def test_finds_names_next_to_other_names_and_capitals(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # ours is a xã: a phường or a ward of that name is another place
        "Phường Vạn Thắng (TP Nha Trang) chỉnh trang vỉa hè quanh chợ Đầm.",
        "Van Thang ward in central Nha Trang will close several streets for the marathon.",
        # a plain word at the start of a sentence stays a word
        "Cho don cac doan khach ve que an tet",
        # Kunming, not the commune of Na Rì
        "Tuyến đường sắt Hà Nội – Lào Cai – Côn Minh được đề xuất nâng cấp.",
        # Thái Nguyên after Phổ Yên is the old Thái Nguyên, not the Bắc Kạn inside it now
        "TP Phổ Yên (Thái Nguyên) đón nhà đầu tư vào khu công nghiệp Yên Bình.",
        # a restaurant located in Hồ Chí Minh City
        "Nhà hàng hải sản 'Sa Huỳnh' ở quận 7 (TP.HCM) bị phạt vì không niêm yết giá.",
    ],
)
def test_ignores_names_the_context_places_elsewhere(matcher: Matcher, text: str) -> None:
    assert found(matcher, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a headline capitalises every word: capitals do not make a person's name
        ("Sat Lo Tren QL1 Doan Qua Dai Lanh, Xe Vao Van Gia Phai Cho 5 Tieng", {"L2"}),
        # English text: an unaccented name cannot be a Vietnamese word there
        (
            "Ba Be, Vietnam's largest natural freshwater lake, sits in a park north of Hanoi.",
            {"L4"},
        ),
        # a possessive province owns the name after it, not the one before
        (
            "Funds went to Khanh Hoa's Van Ninh, Quang Ngai's Duc Pho and Da Nang's Que Minh.",
            {"L1", "L2", "L3"},
        ),
        # two communes in a list: the second does not locate the first
        ("Quà Tết cho ba địa phương: Vạn Giã, Sa Huỳnh và Quế Minh.", {"L1", "L2", "L3"}),
        ("Sunrise ở Mũi Đôi đáng từng giọt mồ hôi #VanNinh #KhanhHoa", {"L2"}),
        ("Miến dong Côn Minh nhà làm, sợi dai không nát", {"L4"}),
    ],
)
def test_reads_headlines_english_possessives_lists_and_hashtags(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Chùa Phổ Quang (Tân Bình, TP.HCM) tổ chức khóa tu mùa hè.",
        "Quán bún bò Phổ Quang đông khách dù giá tăng.",
        "Công ty CP Xây dựng Quế Minh trúng thầu xây trường học.",
        "Chua Pho Minh o Nam Dinh co thap gach thoi Tran",
        "Xã Xuân Sơn trồng thêm 200 ha rừng.",
    ],
)
def test_ignores_businesses_bracketed_places_and_unit_words_that_fit_many(
    matcher: Matcher, text: str
) -> None:
    assert found(matcher, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # each locator speaks for the name it follows, not for the next entry of the list
        (
            "Ho tro lu: Que Minh (Que Son) 200 suat, Van Ninh (Khanh Hoa) 300 suat, "
            "Duc Pho 250 suat",
            {"L1", "L2", "L3"},
        ),
        # a place before "and to" is another entry; the one after "in" locates the name
        (
            "Tourists flock to Ba Be Lake in Bac Kan and to Tam Duong tea hills in Lai Chau.",
            {"L4", "L5"},
        ),
        # the subject of each clause places its name; the province after the comma
        # starts the next clause
        (
            "Bão số 4: Khánh Hòa sơ tán dân ở Vạn Ninh, Quảng Ngãi cấm biển ở Đức Phổ, "
            "Đà Nẵng di dời dân ở Quế Minh.",
            {"L1", "L2", "L3"},
        ),
        # where a hometown group lives is not where its hometown is
        ("Diem danh dong huong Duc Pho, Quang Ngai dang lam an o Binh Duong", {"L3"}),
        ("Hội đồng hương Vạn Ninh tại Đà Lạt gặp mặt đầu xuân", {"L2"}),
    ],
)
def test_reads_lists_clauses_and_hometowns(matcher: Matcher, text: str, expected: set[str]) -> None:
    assert found(matcher, text) == expected


def test_a_name_placed_elsewhere_supports_none_of_its_localitys_other_names(
    matcher: Matcher,
) -> None:
    text = (
        "Vạn Ninh (Móng Cái), Đức Phổ (Cát Tiên) và Xuân Sơn (Tân Sơn) là những xã trùng tên "
        "với các địa phương ở miền Trung."
    )
    assert found(matcher, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the district that held Quế Minh is context, not a mention, even though the 2025
        # commune that replaced Quế Minh took its name
        ("Đà Nẵng: Quế Sơn khởi công cầu vượt lũ.", set()),
        ("Nông dân Quế Minh (Quế Sơn) chuyển đổi ruộng lúa", {"L1"}),
        # a bracketed place that is none of ours places the name elsewhere
        (
            "Vạn Thắng (Ba Vì), Vạn Thạnh (Nha Trang) và Đại Lãnh (Đại Lộc) cùng nhận cờ thi đua.",
            set(),
        ),
        ("Vạn Giã (huyện Vạn Ninh) mưa lớn", {"L2"}),
        # a hashtag tags the place; a product names where it comes from
        ("#VanNinh hôm nay trời trong xanh, ra biển lặn thôi", {"L2"}),
        ("Sản phẩm OCOP mới: yến sào Vạn Ninh", {"L2"}),
        # a tower and a researcher are not places
        ("Tháp Phổ Minh 14 tầng là biểu tượng của vùng đất Thiên Trường xưa.", set()),
    ],
)
def test_reads_containers_brackets_hashtags_and_products(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Du khách từ Đà Lạt về Vạn Ninh tắm biển",
        "Cá khô Đức Phổ được bày bán ở chợ Bến Thành, TP.HCM",
    ],
)
def test_a_place_where_no_namesake_lies_says_nothing_against_a_shared_name(
    matcher: Matcher, text: str
) -> None:
    """Đà Lạt holds no Vạn Ninh, so it cannot be the namesake the writer meant."""
    (mention,) = matcher.match(text)
    assert mention.confidence > 0
    assert "no context" in mention.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VAN NINH - DUC PHO: hai địa phương ngập nặng sau bão", {"L2", "L3"}),
        ("Duc Pho and Van Ninh brace for the storm", {"L2", "L3"}),
    ],
)
def test_two_bare_shared_names_listed_side_by_side_count_for_their_localities(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


def test_a_lone_bare_shared_name_stays_weak(matcher: Matcher) -> None:
    assert found(matcher, "Duc Pho brace for the storm") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Vạn Ninh, Móng Cái đón khách",
        "Tin mới về Van Thanh, TP Nha Trang",
        "Đoàn công tác về Xuân Sơn, Tân Sơn",
    ],
)
def test_a_shared_name_followed_by_the_unit_holding_its_namesake_is_not_ours(
    matcher: Matcher, text: str
) -> None:
    assert not [m for m in matcher.match(text) if m.locality == "L2" and m.confidence > 0]


@pytest.mark.parametrize(
    "text",
    [
        "Chúc mừng sinh nhật Quế Minh!",
        "Quế Minh, 18 tuổi, đạt giải nhất cuộc thi hát",
        "Duc Pho, 30 years old, won the race",
    ],
)
def test_birthdays_and_ages_mark_a_person(matcher: Matcher, text: str) -> None:
    assert found(matcher, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Nguyen Que Minh, a 22-year-old student, won the poetry contest",
        "Nguyễn Quế Minh đạt giải nhất cuộc thi hát",
    ],
)
def test_a_surname_before_the_name_marks_a_person_even_at_a_sentence_start(
    matcher: Matcher, text: str
) -> None:
    assert found(matcher, text) == set()


def test_a_town_written_as_the_thi_xa_it_was_before_becoming_a_city(matcher: Matcher) -> None:
    assert found(matcher, "Thị xã Bắc Kạn được nâng lên thành phố năm 2015") == {"L4"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phường Nguyễn Nghiêm thuộc TP Quảng Ngãi có nhiều phố buôn bán", set()),
        ("Phường Nguyễn Nghiêm, thị xã Đức Phổ có nhiều phố buôn bán", {"L3"}),
        ("Phường Nguyễn Nghiêm (tỉnh Quảng Ngãi) lắp đèn đường", {"L3"}),
    ],
)
def test_a_city_written_after_a_ward_is_the_city_not_the_province_of_that_name(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


def test_where_a_trip_starts_after_the_name_does_not_place_it(matcher: Matcher) -> None:
    text = "Homestay nao o Dai Lanh gan bien, di tu Tuy Hoa vao qua ham deo Ca"
    assert found(matcher, text) == {"L2"}


def test_person_and_culture_cues_work_without_accents(matcher: Matcher) -> None:
    assert found(matcher, "De cuong on thi: van hoa Sa Huynh, van hoa Dong Son") == set()


def test_an_excluded_phrase_is_excluded_without_accents_too() -> None:
    locality = Locality(
        id="L2", name="Vạn Ninh", province="Khánh Hòa", exclude=("nước mắm Vạn Giã",)
    )
    matcher = matcher_for((locality,))
    assert found(matcher, "nuoc mam Van Gia ngon nhat") == set()
    assert found(matcher, "lu o Van Gia ngap sau") == {"L2"}


@pytest.mark.parametrize(
    "text",
    [
        "xa hoi cong bang, van minh",  # Công Bằng and Văn Minh are communes of Bắc Kạn
        "chi muon ve que song yen binh, ko bon chen nua",
        "ca lop dong tam hiep luc thi chac chan qua mon",
        "chi oi don phong 302 giup em",
        "binh luc binh nay cam hoa dep lam",
    ],
)
def test_commune_names_typed_without_accents_or_case_are_words_until_placed(
    matcher: Matcher, text: str
) -> None:
    assert found(matcher, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lu o cong bang, pac nam ngap sau", {"L4"}),  # placed by its district
        ("Lũ ở Cong Bang, Pac Nam", {"L4"}),  # capitalised: a name
        ("cuoi tuan di ho ba be choi", {"L4"}),
        ("tu nha trang ra van gia mat 1 tieng", {"L2"}),  # a town still places the text
    ],
)
def test_placed_or_capitalised_unaccented_names_still_count(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#ĐứcPhổ #QuảngNgãi cứu trợ bà con vùng lũ", {"L3"}),
        ("Đội bóng FC Ba Bể ở Cầu Giấy tuyển thủ môn", set()),
        ("chuc mung sinh nhat chi Que Minh nha", set()),
    ],
)
def test_accented_hashtags_clubs_and_birthday_wishes(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chuc ong ba phuc loc, van tho", set()),  # wishes, not two places listed
        ("van tho va van minh la hai mat cua xa hoi", set()),
        ("Trận Bắc Kạn gặp Lai Châu kết thúc", {"L4"}),  # trận is no Trần
        ("Phần Bắc Kạn có mưa lớn", {"L4"}),
        ("Tại Bắc Kạn, 60 tuổi trở lên chiếm 12% dân số", {"L4"}),  # an age group, not a person
        ("lũ ở vạn ninh và đức phổ", {"L2", "L3"}),
    ],
)
def test_rules_about_people_lists_and_words_fire_only_where_they_should(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert found(matcher, text) == expected


def test_a_list_reads_the_same_in_nfd(matcher: Matcher) -> None:
    text = "lũ ở vạn ninh và đức phổ"
    assert found(matcher, unicodedata.normalize("NFD", text)) == found(matcher, text)


def test_people_from_a_place_living_elsewhere_keep_their_place(matcher: Matcher) -> None:
    (mention,) = matcher.match("Hội đồng hương Đức Phổ tại Lâm Đồng gặp mặt đầu xuân")
    assert mention.confidence > 0
