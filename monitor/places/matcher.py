"""Find the watched localities in a text: every surface form, one automaton, context decides.

How it works, in three steps:

1. ``build_matcher`` turns each configured locality into the units it covers (the gazetteer
   resolves name + province to former and current units; units inside them and the current units
   that replaced them join in) and every way the press writes them: bare names, names with their
   unit word or its abbreviation, unaccented forms, English forms, aliases. All surfaces go into
   one Aho-Corasick automaton, keyed on normalised text.
2. ``Matcher.match`` normalises the text once (keeping a map back to the original offsets), runs
   the automaton over the accented form and over the unaccented form, and keeps only whole-word
   hits. A hit in the unaccented pass counts only where the text itself was written without
   accents: "Tam Dương" must never match Tam Đường.
3. Each hit is scored. A name that exists in one place only is strong; a name shared with units
   elsewhere (about 300 commune names are) needs the context to support it — the province, a
   neighbouring unit of the locality, an outlet local to the province — and is dropped when the
   context points elsewhere or the name is written with another unit word ("phường Vạn Ninh").
   Unaccented text gets the same treatment with lower scores.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from itertools import dropwhile, pairwise
from pathlib import Path

import ahocorasick

from monitor.config.models import Locality
from monitor.places.gazetteer import OLD_SPELLINGS, UNIT_WORDS, Gazetteer, Unit
from monitor.places.landmarks import Landmark, load_landmarks
from monitor.places.normalize import fold, normalize, normalize_with_offsets

# Scores, by the strength of the evidence. Mentions below REPORT_THRESHOLD are stored as weak.
REPORT_THRESHOLD = 0.5
TYPED_UNIQUE = 0.97  # "thị xã Đức Phổ": unit word + name, nowhere else
TYPED_SHARED = 0.9  # "huyện Vạn Ninh" when other Vạn Ninh units exist, but none a huyện
BARE_UNIQUE = 0.9  # "Sa Huỳnh": a name used in one place only
ALIAS = 0.85  # configured landmark names
SUPPORTED = 0.8  # a shared name with the locality's context around it
UNSUPPORTED = 0.3  # a shared name with no context either way: kept, marked weak
UNACCENTED_PENALTY = 0.1  # "duc pho" is a little less sure than "Đức Phổ"
UNACCENTED_UNSUPPORTED = 0.2
ATTACHED = 20  # at most this many characters between a name and the place that locates it

# Words that turn a following place name into a person, a street or an archaeological culture.
_NOT_A_PLACE_BEFORE = {
    # people: kinship terms, titles, trades that precede a personal name
    "ông",
    "bà",
    "anh",
    "chị",
    "em",
    "bé",
    "cô",
    "chú",
    "bác",
    "cháu",
    "cụ",
    "thầy",
    "cô giáo",
    "thầy giáo",
    "bác sĩ",
    "ca sĩ",
    "nghệ sĩ",
    "nhạc sĩ",
    "họa sĩ",
    "cầu thủ",
    "võ sĩ",
    "hoa hậu",
    "á hậu",
    "nhà thơ",
    "nhà văn",
    "nhà báo",
    "nhà nghiên cứu",
    "liệt sĩ",
    "chiến sĩ",
    "đồng chí",
    "đại tá",
    "thượng tá",
    "trung tá",
    "thiếu tá",
    "đại úy",
    "thượng úy",
    "trung úy",
    "giáo sư",
    "tiến sĩ",
    "thạc sĩ",
    "vận động viên",
    "tên",
    "tên là",
    "họ tên",
    "biệt danh",
    "sinh nhật",  # "chúc mừng sinh nhật Quế Minh 18 tuổi"
    *(f"sinh nhật {title}" for title in ("anh", "chị", "em", "bạn", "cô", "chú", "bác", "bé")),
    "birthday",
    "nickname",
    "mr",
    "mrs",
    "ms",
    "dr",
    "singer",
    "player",
    "named",
    # streets and the like, named after places elsewhere
    "đường",
    "phố",
    "ngõ",
    "hẻm",
    "kiệt",
    "street",
    "st",
    "road",
    "avenue",
    # the archaeological culture; a tower or temple named after a place elsewhere
    "tháp",
    "văn hóa",
    "nền văn hóa",
    # shops and firms named after a place are not the place
    "nhà hàng",
    "quán",
    "tiệm",
    "tiệm vàng",
    "cà phê",
    "cafe",
    "karaoke",
    "công ty",
    "cửa hàng",
    "siêu thị",
    "khách sạn",
}
# Unaccented text drops the marks of these cues too ("van hoa Sa Huynh"); one syllable
# folded ("ten", "pho") is too often another word, two or more are not.
_NOT_A_PLACE_BEFORE |= {fold(w) for w in _NOT_A_PLACE_BEFORE if " " in w}

# Landscape words: what follows is a place ("hồ Ba Bể", "bãi Đại Lãnh", "cảng Mỹ Á").
_PLACE_BEFORE = {
    "hồ",
    "sông",
    "núi",
    "đèo",
    "bãi",
    "bãi biển",
    "biển",
    "cảng",
    "cửa biển",
    "đảo",
    "vịnh",
    "đầm",
    "thác",
    "suối",
    "bản",
    "thôn",
    "làng",
    "lake",
    "beach",
    "port",
    "pass",
    # products named for where they come from ("tôm hùm Vạn Ninh", "muối Sa Huỳnh")
    "đặc sản",
    "tôm hùm",
    "muối",
    "nước mắm",
    "chè",
    "trà",
    "miến",
    "miến dong",
    "quýt",
    "gạo",
    "yến",
    "yến sào",
    # where people come from ("đồng hương Vạn Ninh tại Đà Lạt", "quê Đức Phổ")
    "đồng hương",
    "quê",
}
# Without accents a one-syllable cue is too often another word ("song" is sống, to live;
# "ban" is bạn, a friend; "mien" is miền): only those that stay landscape words count.
_FOLDED_CUES_KEPT = {"ho", "nui", "thac", "suoi", "vinh", "dao", "bien", "bai", "cang"}
_PLACE_BEFORE |= {fold(w) for w in _PLACE_BEFORE if " " in w or fold(w) in _FOLDED_CUES_KEPT}
# English puts the landscape word after: "Ba Be Lake", "Sa Huynh beach".
_PLACE_AFTER = {"lake", "beach", "port", "pass", "river", "bay", "island", "market", "village"}

_SURNAMES = {
    "nguyen",
    "tran",
    "le",
    "pham",
    "hoang",
    "huynh",
    "phan",
    "vu",
    "vo",
    "dang",
    "bui",
    "do",
    "ho",
    "ngo",
    "duong",
    "ly",
    "trinh",
    "dinh",
    "mac",
    "luong",
    "cu",
}

_LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}

_LEVEL_OF_TYPE = {
    "tỉnh": "province",
    "huyện": "district",
    "quận": "district",
    "thị xã": "district",
    "xã": "commune",
    "phường": "commune",
    "thị trấn": "commune",
    "đặc khu": "commune",
}

_NOT_A_PLACE_AFTER = {"culture", "civilization", "civilisation", "period"}

_ENGLISH_SUFFIX = {
    "tỉnh": ("province",),
    "thành phố": ("city",),
    "huyện": ("district",),
    "quận": ("district",),
    "thị xã": ("town",),
    "xã": ("commune",),
    "phường": ("ward",),
    "thị trấn": ("township", "town"),
    "đặc khu": ("special zone", "special administrative zone"),
}

_WORD = re.compile(r"\w+")

# Sino-Vietnamese names of places abroad that Vietnamese units also bear: written bare, the
# press most often means the foreign city or region ("tuyến đường sắt Lào Cai – Côn Minh").
_FOREIGN_NAMESAKES = {
    fold(normalize(name))
    for name in (
        "Côn Minh",  # Kunming
        "Nam Ninh",  # Nanning
        "Quảng Châu",  # Guangzhou
        "Tô Châu",  # Suzhou
        "Hàng Châu",  # Hangzhou
        "Quảng Đông",  # Guangdong
        "Quảng Tây",  # Guangxi
        "Vân Nam",  # Yunnan
        "Hải Nam",  # Hainan
        "Tứ Xuyên",  # Sichuan
        "Quế Lâm",  # Guilin
        "Phòng Thành",  # Fangchenggang
        "Đông Hưng",  # Dongxing
        "Hà Khẩu",  # Hekou
        "Bắc Hải",  # Beihai
        "Trùng Khánh",  # Chongqing
        "Thâm Quyến",  # Shenzhen
        "Thượng Hải",  # Shanghai
        "Bắc Kinh",  # Beijing
    )
}


@dataclass(frozen=True)
class Mention:
    """One place where the text names a watched locality (offsets index the input as given)."""

    locality: str
    start: int
    end: int
    surface: str
    confidence: float
    unit: str | None = None  # gazetteer code of the unit named, when known
    reason: str = ""


@dataclass(frozen=True)
class _Variant:
    locality: str
    unit: str | None
    key: str  # normalised (accented or folded) surface
    accented: bool
    typed: bool  # includes its unit word
    shared: bool  # the bare name also names units outside the locality
    alias: bool = False


@dataclass
class _Scope:
    """What one locality covers: its units, their inside, their successors; plus context."""

    locality: Locality
    units: dict[str, Unit] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)  # former provinces it lies in
    province_words: set[str] = field(default_factory=set)  # its provinces' names, any era
    # Names of its current province that also name another former province ("Thái Nguyên" for
    # Bắc Kạn): they support it unless the text places itself in that other province.
    successor_words: set[str] = field(default_factory=set)
    alias_words: set[str] = field(default_factory=set)
    excludes: list[str] = field(default_factory=list)
    # Names of its units and of the units that hold it, normalised and folded: a place of the
    # same province written right after a name locates it elsewhere unless it is one of these.
    inside_words: set[str] = field(default_factory=set)
    # Folded names of its former districts and of the districts that hold its units.
    district_words: set[str] = field(default_factory=set)


class Matcher:
    """Matches texts against a fixed set of localities; build once, call ``match`` many times."""

    def __init__(
        self,
        scopes: dict[str, _Scope],
        variants: Sequence[_Variant],
        signals: dict[str, tuple[str, frozenset[str], int]],
        typed_elsewhere: set[tuple[str, str]],
        types_in_scope: dict[tuple[str, str], set[str]],
        place_names: frozenset[str] = frozenset(),
        name_regions: dict[str, frozenset[str]] | None = None,
        containers: dict[str, frozenset[tuple[str, str]]] | None = None,
        landmark_capitals: dict[str, tuple[bool, ...]] | None = None,
    ) -> None:
        self._scopes = scopes
        self._place_names = place_names  # every unit name, folded
        # folded name → the former provinces where units of that name lie
        self._name_regions = name_regions or {}
        # folded name → (level, folded name) of the districts and provinces holding units so named
        self._containers = containers or {}
        # landmark form → which of its words are names: "vịnh Vân Phong" has a lower-case kind
        self._landmark_capitals = landmark_capitals or {}
        # (locality, folded name) → the unit types that name has inside the locality, any era
        self._types_in_scope = types_in_scope
        # word → (kind, former province): "unit" for a name found in one former province only
        # (a district, a ward, a town), "province" for a province's name.
        self._signals = signals
        self._typed_elsewhere = typed_elsewhere  # (unit type, folded name) of every unit
        self._accented = ahocorasick.Automaton()
        self._folded = ahocorasick.Automaton()
        grouped: dict[tuple[bool, str], list[_Variant]] = defaultdict(list)
        for v in variants:
            grouped[(v.accented, v.key)].append(v)
        for (accented, key), group in grouped.items():
            automaton = self._accented if accented else self._folded
            automaton.add_word(key, (len(key), tuple(group)))
        self._context = ahocorasick.Automaton()
        words = set(signals)
        for scope in scopes.values():
            words |= scope.province_words | scope.alias_words
        for word in words:
            self._context.add_word(word, len(word))
        for automaton in (self._accented, self._folded, self._context):
            if len(automaton):
                automaton.make_automaton()
        self.variant_count = len(variants)

    def match(self, text: str, *, outlet_provinces: Iterable[str] = ()) -> list[Mention]:
        """Every mention of a watched locality in ``text``, strongest first per span."""
        norm, offsets = normalize_with_offsets(text)
        folded = norm.translate(_FOLD_TABLE)
        hits: list[tuple[int, int, _Variant]] = []
        for automaton, haystack, accented in (
            (self._accented, norm, True),
            (self._folded, folded, False),
        ):
            if not len(automaton):
                continue
            for end_index, (length, group) in automaton.iter(haystack):
                start, end = end_index - length + 1, end_index + 1
                if not _whole_word(haystack, start, end):
                    continue
                if not accented and norm[start:end] != folded[start:end]:
                    continue  # written with accents: the accented pass decides
                hits.extend((start, end, v) for v in group)
        if not hits:
            return []
        hits = _longest_per_locality(hits)
        # Context words with their spans; outlet provinces count as if written far away.
        present: list[tuple[str, int, int]] = [(normalize(p), -1, -1) for p in outlet_provinces]
        common = common_words()
        caseful = _has_case(text)
        if len(self._context):
            for haystack, accented in ((norm, True), (folded, False)):
                for end_index, length in self._context.iter(haystack):
                    start = end_index - length + 1
                    if not _whole_word(haystack, start, end_index + 1):
                        continue
                    if (
                        not accented
                        and norm[start : end_index + 1] != haystack[start : end_index + 1]
                    ):
                        continue
                    surface = unicodedata.normalize(
                        "NFC", text[offsets[start] : _end_offset(text, offsets, end_index + 1)]
                    )
                    key = haystack[start : end_index + 1]
                    capitals = self._landmark_capitals.get(key)
                    if _written_as_common_words(surface, text, capitals):
                        continue  # "khánh thành", "học sinh": words, not the places so named
                    if (
                        capitals is not None
                        and not caseful
                        and not _landmark_without_case(key, capitals)
                    ):
                        # Without case "SỬNG SỐT", "tuan le", "den do" are words; "hang Sửng
                        # Sốt", "vinh van phong", "deo ca" are the places.
                        continue
                    if (
                        key in common.folded  # so written without accents
                        and self._signals.get(key, ("", frozenset(), 0))[::2] == ("unit", 2)
                        and not _capitalised_mid_sentence(
                            text, (offsets[start], _end_offset(text, offsets, end_index + 1))
                        )
                    ):
                        # "cong bang, van minh": words that lost their accents, unlike the
                        # towns and districts that place a text ("nha trang", "tam duong").
                        continue
                    if not all(c.isalpha() or c.isspace() for c in surface):
                        continue  # "Vạn Ninh (Khánh Hòa)" does not name a "Ninh Khánh"
                    # Kept in the original text's coordinates: punctuation is distance.
                    present.append(
                        (
                            haystack[start : end_index + 1],
                            offsets[start],
                            _end_offset(text, offsets, end_index + 1),
                        )
                    )
        # Case is read on NFC text: in NFD a combining mark splits a word for the regex.
        nfc = text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
        # Each hit's span in the input, computed once; names per locality for sibling support.
        located = [
            (start, end, variant, (offsets[start], _end_offset(text, offsets, end)))
            for start, end, variant in hits
        ]
        # In a headline that capitalises every word, capitals say nothing about names.
        headline = _headline_case(nfc)
        # Where other place names start and end: "Tam Đường Lai Châu" is two places, not a person.
        place_edges = {s for _, s, _ in present if s >= 0} | {e for _, _, e in present if e >= 0}
        # "Vạn Ninh (Khánh Hòa) 300 suất, Đức Phổ 250 suất": a bracketed place right after
        # another name locates that name and says nothing about the names after it.
        owned = _bracketed_after_names(text, present, {e for *_, (_, e) in located} | place_edges)
        spans: dict[str, list[tuple[int, int, str | None]]] = defaultdict(list)
        for start, end, variant, (s_start, s_end) in located:
            key = folded[start:end]
            # "cong bang van minh": two everyday words do not place each other (a commune's
            # name; a town's or a district's still does).
            unit = self._scopes[variant.locality].units.get(variant.unit or "")
            weak = (
                not variant.accented
                and (key in common.folded or not caseful)
                and unit is not None
                and unit.level == "commune"
            )
            sibling = None if weak else key
            spans[variant.locality].append((s_start, s_end, sibling))
        watched_spans = {span for *_, span in located}
        spans_of = {loc: {(a, b) for a, b, _ in group} for loc, group in spans.items()}

        def entry_elsewhere(w: tuple[str, int, int], span: tuple[int, int], loc: str) -> bool:
            """A word before ``span`` that speaks for another name, not for this one."""
            if w[2] > span[0]:
                return False
            if w[1] in owned:
                return True
            # "Quế Minh (Quế Sơn) 200 suất, … Đức Phổ 250 suất": another watched place
            # earlier in a list is an entry, not a locator.
            gap = text[w[2] : span[0]]
            return (
                (w[1], w[2]) in watched_spans
                and (w[1], w[2]) not in spans_of[loc]
                and ("," in gap or _joins_entries(gap))
            )

        contexts: dict[tuple[int, int], _Around] = {}

        def score_all(rejected: set[tuple[int, int]]) -> tuple[list[Mention], set[tuple[int, int]]]:
            mentions, placed_elsewhere = [], set()
            for start, end, variant, span in located:
                surface = text[span[0] : span[1]]
                key = folded[start:end]
                # Other names of the same locality, not placed elsewhere themselves; the same
                # name twice proves nothing.
                siblings = [
                    other
                    for other in spans[variant.locality]
                    if other[2]
                    and other[2] not in key
                    and key not in other[2]
                    and other[:2] not in rejected
                ]
                written = unicodedata.normalize("NFC", surface)
                context = contexts.get(span)
                if context is None:  # one per span: many localities may share a name
                    context = contexts[span] = _Around(
                        raw=text,
                        span=span,
                        before=_words_before(text, span[0]),
                        runs_on=not headline and _inside_longer_name(text, span, place_edges),
                        lower_case=_written_as_common_words(written, nfc),
                        business=_named_business(_words_before(text, span[0], 6)),
                    )
                around = [w for w in present if not entry_elsewhere(w, span, variant.locality)]
                score, reason = self._score(
                    norm, folded, start, end, variant, around, written, nfc, context, siblings
                )
                if score <= 0:
                    if reason.startswith("the context points"):
                        placed_elsewhere.add(span)
                    continue
                mentions.append(
                    Mention(
                        locality=variant.locality,
                        start=span[0],
                        end=span[1],
                        surface=surface,
                        confidence=round(score, 2),
                        unit=variant.unit,
                        reason=reason,
                    )
                )
            return mentions, placed_elsewhere

        mentions, placed_elsewhere = score_all(set())
        if placed_elsewhere:
            # "Vạn Ninh (Móng Cái), Đức Phổ (Cát Tiên) và Xuân Sơn": a name placed elsewhere
            # supports none of its locality's other names.
            mentions, _ = score_all(placed_elsewhere)
        mentions = _one_sense_per_text(mentions)
        mentions = _listed_together(
            mentions, nfc if len(nfc) == len(text) else text, owned_names=owned
        )
        mentions.sort(key=lambda m: (m.start, -m.confidence))
        return mentions

    def _score(
        self,
        norm: str,
        folded: str,
        start: int,
        end: int,
        v: _Variant,
        present: list[tuple[str, int, int]],
        written: str,
        text: str,
        around: _Around,
        siblings: Sequence[tuple[int, int, str | None]],
    ) -> tuple[float, str]:
        """Score one hit. ``text`` is the NFC text, for reading case."""
        span, before = around.span, around.before
        scope = self._scopes[v.locality]
        for phrase in scope.excludes:
            haystack, phrase = (norm, phrase) if v.accented else (folded, fold(phrase))
            if _inside_phrase(haystack, start, end, phrase):
                return 0.0, "excluded phrase"
        if not v.typed and not v.alias and around.lower_case:
            return 0.0, "written in lower case: a common word here, not a place name"
        if not v.typed:
            if any(" ".join(before[-n:]) in _NOT_A_PLACE_BEFORE for n in (1, 2, 3) if before):
                return 0.0, "a person, street or culture, not the place"
            if around.business:
                return UNSUPPORTED, "the name of a shop or firm, not the place"
            written_type = _unit_word(before) if before else None
            if written_type is not None and (written_type, _bare_key(v)) in self._typed_elsewhere:
                return 0.0, "written with the unit word of a namesake elsewhere"
            written_types = {written_type} if written_type else _english_types_after(norm, end)
            ours = self._types_in_scope.get((v.locality, _bare_key(v)), set())
            if written_types and ours and not any(_fits(t, ours) for t in written_types):
                # "phường Vạn Thắng (TP Nha Trang)": ours was always a xã, so this is another
                # Vạn Thắng, even one the gazetteer no longer lists.
                return UNSUPPORTED, "written with a unit word this locality's unit never had"
            if written_type is not None and v.shared:
                # "huyện Đức Phổ": no namesake is a huyện, and our town was one before 2020;
                # the unit word picks ours as long as the level fits.
                level = _LEVEL_OF_TYPE.get(written_type)
                unit = scope.units.get(v.unit or "")
                if unit is not None and level == unit.level:
                    v = replace(v, shared=False)
        after = _WORD.findall(norm[end : end + 30])[:2]
        if not v.typed and after and after[0] in _NOT_A_PLACE_AFTER:
            return 0.0, "an archaeological culture or a person's name, not the place"
        if (
            not v.typed
            and not (before and before[-1] in _LOCATING_PREPOSITIONS)  # "Tại Bắc Kạn, 60 tuổi"
            and _AGE_AFTER.match(norm, end)
        ):
            return 0.0, "a person with an age, not the place"
        if not v.typed and around.runs_on:
            return 0.0, "part of a longer proper name (a person, a company)"
        if not v.alias and self._bracketed_elsewhere(scope, around.raw, span[1]):
            # "Vạn Thắng (Ba Vì)": the brackets name a place that is none of ours.
            if v.shared:
                return 0.0, "the context points to a namesake elsewhere (bracketed place)"
            return UNSUPPORTED + 0.1, "unique name, but the text is about elsewhere (bracketed)"
        unit = scope.units.get(v.unit or "")
        name_key = _folded(unit.name) if unit else _bare_key(v)  # without "phường"
        if (
            v.shared
            and not _origin_of_people(before)  # "đồng hương Đức Phổ tại Lâm Đồng"
            and self._held_elsewhere(scope, name_key, around.raw, span[1])
        ):
            # "Xuân Sơn, Tân Sơn": the unit that holds the namesake is written right after.
            return 0.0, "the context points to a namesake elsewhere (the unit holding it follows)"
        context, context_after = self._context_for(
            scope,
            present,
            span[0],
            span[1],
            siblings,
            around.raw,
            unit.level if unit else "commune",
            self._name_regions.get(name_key, frozenset()) - scope.regions,
        )
        place_cue = (
            bool(before)
            and any(" ".join(before[-n:]) in _PLACE_BEFORE for n in (1, 2) if len(before) >= n)
        ) or bool(after and after[0] in _PLACE_AFTER)
        # "#VanNinh": a hashtag is the writer tagging the place.
        place_cue = place_cue or around.raw[max(0, span[0] - 1) : span[0]] == "#"
        if v.alias:
            score, reason = ALIAS, "alias"
        elif not v.shared:
            small = scope.units[v.unit].level == "commune" if v.unit in scope.units else False
            # "Phổ Minh ở Nam Định", "Sa Huỳnh (Hội An)": a place is located by what follows it;
            # "từ Quy Nhơn ra Sa Huỳnh" only says where the trip started.
            if context == "against" and context_after and small and not v.typed:
                score, reason = UNSUPPORTED + 0.1, "unique name, but the text is about elsewhere"
            else:
                score = TYPED_UNIQUE if v.typed else BARE_UNIQUE
                reason = "name used in one place only"
        elif context == "against" and (context_after or not place_cue):
            return 0.0, "the context points to a namesake elsewhere"
        elif context == "support":
            score = TYPED_SHARED if v.typed else SUPPORTED
            reason = "shared name, context supports it"
        elif v.typed:
            # "xã Xuân Sơn" alone: the unit word fits several communes, none preferred.
            score, reason = UNSUPPORTED + 0.15, "shared name with unit word, no context"
        else:
            score, reason = UNSUPPORTED, "shared name, no context"
        support = context == "support"
        if not support and place_cue:
            support = True  # a lake, a beach, a port, a product: the name is a place here
            if score < SUPPORTED and v.shared and not (context == "against" and context_after):
                score, reason = SUPPORTED, "a place by the word next to it"
        bare = not (v.typed or v.alias)
        if bare and not support and score > UNSUPPORTED + 0.2:
            words = common_words()
            plain = not v.accented and not _capitalised_mid_sentence(around.raw, span)
            if plain and v.key in words.folded and not _english(around.raw):
                # Other words drop their accents into this spelling ("chờ đón" → "cho don",
                # "Nguyễn Văn Ninh" → "van ninh"): alone it stays weak.
                return UNACCENTED_UNSUPPORTED + 0.25, reason + " (unaccented, also a word)"
            if plain and unit is not None and unit.level == "commune" and not _has_case(text):
                # Commune names are made of everyday syllables ("yen binh", "dong tam hiep
                # luc", "don phong 302"): in chat without accents or case, the letters alone
                # do not make one a place. Towns and districts keep their weight.
                return (
                    UNACCENTED_UNSUPPORTED + 0.25,
                    reason + " (unaccented commune name, text without case)",
                )
            if v.accented and v.key in words.lowercase and not _has_case(text):
                # In text without case "hòa bình" may be peace rather than the province.
                return UNSUPPORTED + 0.15, reason + " (also a word, text without case)"
        if not v.accented:
            if not support and score <= UNSUPPORTED + 0.2:
                return UNACCENTED_UNSUPPORTED, reason + " (unaccented)"
            score -= UNACCENTED_PENALTY
            reason += " (unaccented)"
        return score, reason

    def _held_elsewhere(self, scope: _Scope, key: str, raw: str, end: int) -> bool:
        """Whether the place written right after a name holds a namesake and none of ours."""
        holders = self._containers.get(key)
        if not holders:
            return False
        match = _HOLDER_AFTER.match(unicodedata.normalize("NFC", raw[end : end + 60]))
        if match is None:
            return False
        words = _WORD.findall(_folded(match.group(1)))
        district_word = False
        while words and (_unit_word(words[:2]) or _unit_word(words[:1])):
            written = _unit_word(words[:2]) or _unit_word(words[:1])
            district_word |= (
                written == "thành phố" or _LEVEL_OF_TYPE.get(written or "") == "district"
            )
            words = words[2:] if _unit_word(words[:2]) and len(words) > 2 else words[1:]
        ours = scope.inside_words | scope.province_words | scope.successor_words
        for n in range(min(4, len(words)), 1, -1):
            name = " ".join(words[:n])
            if district_word and ("district", name) in holders:
                # "Nguyễn Nghiêm thuộc TP Quảng Ngãi": the city, not the province of that name.
                return name not in scope.district_words
            if ("district", name) in holders or ("province", name) in holders:
                return name not in ours
        return False

    def _bracketed_elsewhere(self, scope: _Scope, raw: str, end: int) -> bool:
        match = _BRACKET_AFTER.match(unicodedata.normalize("NFC", raw[end : end + 60]))
        if match is None:
            return False
        words = _WORD.findall(normalize(match.group(1).split(",")[0]))
        while words and (_unit_word(words[:2]) or _unit_word(words[:1])):
            words = words[2:] if _unit_word(words[:2]) and len(words) > 2 else words[1:]
        name = " ".join(words)
        if not name or fold(name) not in self._place_names:
            return False
        ours = scope.inside_words | scope.province_words | scope.alias_words
        ours |= scope.successor_words
        return name not in ours and fold(name) not in ours

    def _context_for(
        self,
        scope: _Scope,
        present: list[tuple[str, int, int]],
        start: int,
        end: int,
        siblings: Sequence[tuple[int, int, str | None]],
        raw: str,
        level: str,
        namesake_regions: frozenset[str],
    ) -> tuple[str, bool]:
        """ "support", "against" or "" for a hit at [start, end), from the words around it.

        The nearest telling word decides, so a list of places each with its province in
        brackets reads right; at equal distance a unit name outranks a province name.
        """
        # (distance, rank, before, verdict, level of the telling word)
        best: tuple[int, int, int, str, int] | None = None
        origin = _origin_of_people(_words_before(raw, start, 3))
        subject = False
        elsewhere = {
            region
            for word, _s, _e in present
            if (signal := self._signals.get(word)) is not None
            and signal[0] == "unit"
            and not signal[1] & scope.regions
            for region in signal[1]
        }
        # Another unit of the same locality nearby ("Bãi Đại Lãnh, Vạn Ninh") supports it.
        for s_start, s_end, _unit in siblings:
            if s_end <= start or end <= s_start:
                distance = max(s_start - end, start - s_end)
                candidate = (distance, 0, int(s_end <= start), "support", 2)
                if best is None or candidate < best:
                    best = candidate
        for word, w_start, w_end in present:
            if w_start < end and start < w_end:
                continue  # the mention itself, or a word overlapping it
            distance = 10_000 if w_start < 0 else max(w_start - end, start - w_end)
            if w_start >= end and raw[w_end : w_end + 2] in ("'s", "’s"):
                continue  # "Van Ninh, Quang Ngai's Duc Pho": that province owns what follows
            if w_start >= end and origin and _prepositions(raw[end:w_start]):
                continue  # "đồng hương Đức Phổ tại TP.HCM": where they live, not the place
            word_level = 0
            if word in scope.alias_words:
                verdict, rank = "support", 0
            elif word in scope.successor_words:
                signal = self._signals.get(word)
                if signal is not None and signal[1] & elsewhere:
                    continue  # "TP Phổ Yên (Thái Nguyên)": the old Thái Nguyên, not Bắc Kạn
                verdict, rank = "support", 1
            elif word in scope.province_words:
                verdict, rank = "support", 1
            else:
                signal = self._signals.get(word)
                if signal is None:
                    continue
                kind, region, word_level = signal
                rank = 0 if kind == "unit" else 1
                # A neighbour in the same former province supports (Nha Trang for Vạn Ninh).
                verdict = "support" if region & scope.regions else "against"
                # Written right after the name as its locator: "X, Nha Trang", "X (Ba Vì)".
                locator = (
                    w_start >= end
                    and word_level < _LEVEL_RANK[level]
                    and _locates(raw, end, w_start)
                )
                if (
                    verdict == "support"
                    and kind == "unit"
                    and word not in scope.inside_words
                    and locator
                ):
                    # "Vạn Thạnh (Nha Trang)": a ward of Nha Trang, not Vạn Ninh's commune.
                    verdict = "against"
                if verdict == "against" and not region & namesake_regions and not locator:
                    # "Trà Tam Đường và miến Na Rì bán chạy ở Hà Nội": a place where no
                    # namesake lies says nothing against ours unless it locates the name.
                    continue
                if (
                    verdict == "against"
                    and 0 <= w_end <= start
                    and start - w_end <= 3 * ATTACHED  # longer gaps are not list entries
                    and _joins_entries(raw[w_end:start])
                ):
                    # "Bac Kan and to Tam Duong tea hills in Lai Chau", "từ Quy Nhơn ra
                    # Đức Phổ": another entry of a list, or where a trip starts.
                    distance += ATTACHED
                if (
                    verdict == "against"
                    and w_start >= end
                    and _WORD.findall(normalize(raw[max(end, w_start - 8) : w_start]))[-1:]
                    in (["từ"], ["tu"], ["from"])
                ):
                    # "ra Đại Lãnh, đi từ Tuy Hòa vào": where the trip starts, not the place.
                    continue
            if (
                verdict == "support"
                and 0 <= w_end <= start
                and distance <= 2 * ATTACHED
                and not _CLAUSE_BREAK.search(unicodedata.normalize("NFC", raw[w_end:start]))
            ):
                # "Khánh Hòa sơ tán dân ở Vạn Ninh, Quảng Ngãi cấm biển…": the subject of
                # the clause places the name; the province after the comma starts another.
                subject = True
            # At equal distance the word after wins: "Vạn Ninh (Khánh Hòa)", "Vạn Ninh, Khánh Hòa".
            candidate = (distance, rank, int(w_end <= start), verdict, word_level)
            if best is None or candidate < best:
                best = candidate
        # "after" means attached: "Phổ Minh ở Nam Định", "Sa Huỳnh (Hội An)", "X, Quảng Ninh";
        # in a list ("Sa Huỳnh, miến dong Bắc Kạn") the next place is another entry.
        if best is None:
            return "", False
        distance, _rank, before_flag, verdict, word_level = best
        if (
            verdict == "against"
            and before_flag == 0
            and subject
            and raw[end : end + distance].strip() == ","
        ):
            return "support", False
        # Only a larger unit locates a name: "Vạn Giã, Sa Huỳnh" lists two communes.
        larger = word_level < _LEVEL_RANK[level]
        attached = before_flag == 0 and larger and _locates(raw, end, end + distance)
        return verdict, attached


@dataclass(frozen=True)
class _Around:
    """What surrounds a hit in the input text."""

    raw: str  # the input text
    span: tuple[int, int]  # the hit, in input offsets
    before: list[str]  # normalised words just before it, within its clause
    runs_on: bool  # joined to other capitalised words, as in a personal name
    lower_case: bool  # written in lower case in text that capitalises names
    business: bool  # after a shop's or firm's word ("quán", "công ty")


def _inside_longer_name(raw: str, span: tuple[int, int], place_edges: set[int]) -> bool:
    """True when the name runs on into other capitalised words: "Phổ Minh Anh", "Lò Văn Tam Đường".

    Vietnamese personal names are three or four capitalised syllables; a place name joined,
    with no comma, to another capitalised word that is not a unit word is most often part of one.
    Not when that word begins or ends another place's name ("Tam Đường Lai Châu") or is an
    English landscape word ("Ba Be Lake").
    """
    after = unicodedata.normalize("NFC", raw[span[1] : span[1] + 40])
    following = _WORD.match(after[1:]) if after[:1] == " " else None
    if (
        following is not None
        and _is_name_word(following.group(0))
        and span[1] + 1 not in place_edges
        and normalize(following.group(0)) not in _PLACE_AFTER
    ):
        return True
    before = unicodedata.normalize("NFC", raw[max(0, span[0] - 60) : span[0]])
    if not before.endswith(" "):
        return False
    head = before.rstrip(" ")
    previous = re.search(r"(\w+)$", head)
    if previous is None:
        return False
    word = previous.group(1)
    if span[0] - (len(before) - len(head)) in place_edges:
        return False  # "Khánh Hòa Vạn Ninh": the word before ends another place
    prefix = head[: previous.start()]
    at_text_start = not prefix.strip() and span[0] <= 60  # the window reached the start
    sentence_start = at_text_start or prefix.rstrip()[-1:] in ".:!?\n\"'(“-–"
    if sentence_start and _leading_surname(word):
        return _is_name_word(word)  # "Nguyen Que Minh, a 22-year-old student, won…"
    return _is_name_word(word) and not sentence_start


# Surnames that begin a sentence as a person's name and never as a place word ("Hồ", "Đồ"
# and "Lý" are lakes, ferries and villages too).
_LEADING_SURNAMES = {"nguyễn", "trần", "phạm", "huỳnh", "phan", "bùi", "đặng", "ngô", "trịnh"}


_LEADING_SURNAMES_FOLDED = {fold(s) for s in _LEADING_SURNAMES}


def _leading_surname(word: str) -> bool:
    """Compared with its accents: "Trận Bắc Kạn gặp Lai Châu" is a match, not Mr Trần;
    a word written without them ("Nguyen") may be either."""
    key = normalize(word)
    if key == fold(key):
        return key in _LEADING_SURNAMES_FOLDED
    return key in _LEADING_SURNAMES


def _is_name_word(word: str) -> bool:
    return (
        len(word) > 1
        and word[:1].isupper()
        and word[1:].islower()
        and normalize(word) not in _UNIT_PREFIXES
        and normalize(word) not in _NAME_OK_BEFORE
    )


# Capitalised words that may stand right before a place name in running text.
_NAME_OK_BEFORE = {"ubnd", "hđnd", "tp", "tx", "tt", "huyện", "tỉnh", "xã", "phường"}


def _bare_key(v: _Variant) -> str:
    return _folded(v.key) if v.accented else v.key


@lru_cache(maxsize=1 << 16)  # asked for every hit, about a few thousand names
def _folded(name: str) -> str:
    return fold(name)


# Vietnamese letters to their unaccented base, one character to one (offsets stay aligned).
_FOLD_TABLE = {
    ord(c): unicodedata.normalize("NFD", c)[0]
    for c in (
        "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
        "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
    )
}
_FOLD_TABLE[ord("đ")] = "d"
_FOLD_TABLE[ord("Đ")] = "D"


@dataclass(frozen=True)
class CommonWords:
    """Unit names that are also everyday words (built by monitor.places.build_common_words)."""

    lowercase: frozenset[str]
    folded: frozenset[str]


@lru_cache(maxsize=1)
def common_words() -> CommonWords:
    data = json.loads(_COMMON_WORDS.read_text(encoding="utf-8"))
    lowercase = frozenset(data["lowercase"])
    # Without accents a word keeps its letters only: "cong bang" is công bằng (fairness)
    # as surely as "chờ đón" gives "cho don".
    return CommonWords(lowercase, frozenset(data["folded"]) | {fold(w) for w in lowercase})


_COMMON_WORDS = Path(__file__).parent / "data" / "common_words.json"


def _one_sense_per_text(mentions: list[Mention]) -> list[Mention]:
    """A name placed elsewhere once is placed elsewhere throughout the text.

    "Chùa Phổ Minh ở Nam Định có tháp Phổ Minh": the second Phổ Minh is the same temple.
    """
    elsewhere = {
        (m.locality, fold(normalize(m.surface)))
        for m in mentions
        if m.reason.startswith("unique name, but the text is about elsewhere")
    }
    if not elsewhere:
        return mentions
    return [
        replace(
            m,
            confidence=min(m.confidence, UNSUPPORTED + 0.1),
            reason=m.reason + "; placed elsewhere earlier",
        )
        if (m.locality, fold(normalize(m.surface))) in elsewhere
        else m
        for m in mentions
    ]


def _bracketed_after_names(
    text: str, present: list[tuple[str, int, int]], name_ends: set[int]
) -> set[int]:
    """Starts of context words that open a bracket right after a place name: "X (Khánh Hòa"."""
    owned = set()
    for _word, w_start, _w_end in present:
        i = w_start
        while i > 0 and text[i - 1].isspace():
            i -= 1
        if i == 0 or text[i - 1] != "(":
            continue
        i -= 1
        while i > 0 and text[i - 1].isspace():
            i -= 1
        if i in name_ends:
            owned.add(w_start)
    return owned


LISTED = 0.6  # a shared name listed with another watched place and nothing against it


def _listed_together(mentions: list[Mention], text: str, *, owned_names: set[int]) -> list[Mention]:
    """A bare shared name in one list with other watched places counts for its own.

    "Hỗ trợ lũ: Quế Minh (Quế Sơn) 200 suất, Vạn Ninh (Khánh Hòa) 300 suất, Đức Phổ 250
    suất": the writer is going through the watched places, so Đức Phổ is ours. So are two
    weak names written as entries of one list ("VAN NINH - DUC PHO - QUE MINH: ba địa
    phương ngập nặng", "Duc Pho and Van Ninh"): two namesakes elsewhere side by side would be
    a coincidence. Only names with no context either way are raised; one placed elsewhere
    stays where it was placed, and a span several watched localities share stays ambiguous.
    """
    weak = [m for m in mentions if _unplaced(m) and m.start not in owned_names]
    if not weak:
        return mentions
    firm = [m for m in mentions if m.confidence >= SUPPORTED]
    localities_at: dict[tuple[int, int], set[str]] = defaultdict(set)
    for m in mentions:
        localities_at[(m.start, m.end)].add(m.locality)
    raised = {
        m
        for m in weak
        if m.reason.startswith("shared name, no context")
        and any(
            f.locality != m.locality
            and not _SENTENCE_END.search(text[min(f.end, m.end) : max(f.start, m.start)])
            for f in firm
        )
    }
    single = sorted(
        (m for m in weak if len(localities_at[(m.start, m.end)]) == 1), key=lambda m: m.start
    )
    for a, b in pairwise(single):
        gap = unicodedata.normalize("NFC", text[a.end : b.start])
        if a.locality != b.locality and _LIST_GAP.fullmatch(gap):
            raised |= {a, b}
    return [
        replace(m, confidence=LISTED, reason=m.reason + "; listed with a watched place")
        if m in raised
        else m
        for m in mentions
    ]


def _unplaced(m: Mention) -> bool:
    """A weak mention with nothing either way: shared and unsupported, or also a word but
    written as a name (accents or capitals: "phuc loc, van tho" are wishes, not places)."""
    if m.confidence >= REPORT_THRESHOLD:
        return False
    if m.reason.startswith("shared name, no context"):
        return True
    written = unicodedata.normalize("NFC", m.surface)
    named = written != fold(written) or all(w[:1].isupper() for w in _WORD.findall(written))
    return "also a word" in m.reason and named


# What stands between two entries of a list: "Vạn Ninh, Đức Phổ", "Duc Pho and Van Ninh".
_LIST_GAP = re.compile(r"\s*(?:[,;/&+|\-–—]|và|va|and|or|hoặc|hoac)\s*", re.IGNORECASE)

_SENTENCE_END = re.compile(r"[.!?…]\s|\n")

_LOCATING = {
    "ở",
    "tại",
    "thuộc",
    "của",
    "trên",
    "gần",
    "giáp",
    "in",
    "at",
    "of",
    "near",
    "on",
    "tỉnh",
    "huyện",
    "quận",
    "thị",
    "xã",
    "phường",
    "tp",
    "thành",
    "phố",
    "province",
}
_LOCATING |= {fold(w) for w in _LOCATING}  # "o Nam Dinh", "thuoc Quang Ninh"


def _locates(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, between a name and a following place, ties them: "X (Y)",
    "X, Y", "X ở Y", "X thuộc Y", "X (Tân Bình, TP.HCM)" do; "từ X ra Y" (a trip) and "X,
    miến dong Y" (a list) do not. A longer gap never does, and is not even sliced."""
    if end - start > 2 * ATTACHED:
        return False
    gap = text[start:end]
    if re.search(r"[;|✅⏳•/]", gap):
        return False
    opened = gap.lstrip()
    if opened.startswith("(") and ")" not in opened and len(gap) <= 2 * ATTACHED:
        return True  # inside brackets, a path of places locates the name before them
    if len(gap) > ATTACHED:
        return False
    words = _WORD.findall(normalize(gap))
    if "," in gap and words:
        return False  # "X, something else, Y": a list going on
    return all(w in _LOCATING or w.isdigit() for w in words)  # "ở quận 7 (TP.HCM)"


# Words between two places that make them two entries of a list or the ends of a trip.
_JOINING = {"và", "and", "với", "cùng", "đến", "tới", "ra", "vào", "về", "to", "or", "hoặc", "&"}
_JOINING |= {fold(w) for w in _JOINING}


def _joins_entries(gap: str) -> bool:
    """Whether a place before a name is a separate entry: "Bắc Kạn và Tam Đường"."""
    if "&" in gap:
        return True
    return any(w in _JOINING for w in _WORD.findall(normalize(gap)))


# Words that make a name people's origin, so a place after it is where they are now.
_ORIGIN = {"đồng hương", "quê", "quê ở", "người con", "con em", "bà con", "hội đồng hương"}
_ORIGIN |= {fold(w) for w in _ORIGIN}


def _prepositions(gap: str) -> bool:
    return any(w in _LOCATING_PREPOSITIONS for w in _WORD.findall(normalize(gap)))


_LOCATING_PREPOSITIONS = {"ở", "tại", "in", "at", "o", "tai", "trong", "sống", "song"}


def _origin_of_people(before: list[str]) -> bool:
    return any(" ".join(before[-n:]) in _ORIGIN for n in (1, 2, 3) if len(before) >= n)


def _headline_case(text: str) -> bool:
    letters = [w for w in _WORD.findall(text) if w.isalpha() and len(w) > 1]
    capitalised = sum(1 for w in letters if w[:1].isupper())
    return len(letters) >= 4 and capitalised * 10 >= len(letters) * 7


_ENGLISH_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "to",
        "in",
        "is",
        "was",
        "were",
        "for",
        "on",
        "with",
        "at",
        "by",
        "from",
        "that",
        "this",
        "after",
        "before",
        "has",
        "have",
        "had",
        "are",
        "its",
        "their",
        "which",
        "will",
        "said",
        "says",
        "into",
        "over",
        "about",
        "than",
        "it",
        "as",
    ]
)


def _english(text: str) -> bool:
    """Whether the text is English: there an unaccented name cannot be a Vietnamese word."""
    words = [w.lower() for w in _WORD.findall(text)]
    return len(words) >= 5 and sum(w in _ENGLISH_WORDS for w in words) * 6 >= len(words)


def _capitalised_mid_sentence(text: str, span: tuple[int, int]) -> bool:
    """True when a name is capitalised where a plain word would not be: "ai o Cho Don cho
    minh hoi", "a short drive from Cho Ra". At a sentence start, or in a headline that
    capitalises every word, capitals prove nothing."""
    nfc = partial(unicodedata.normalize, "NFC")
    words = [w for w in _WORD.findall(nfc(text[span[0] : span[1]])) if not w.isdigit()]
    if not words or not all(w[:1].isupper() and w[1:].islower() for w in words):
        return False
    head = text[: span[0]].rstrip()
    if not head or head[-1] in ".:!?\n\"'“(-–—•|":
        return False
    letters = [w for w in _WORD.findall(nfc(text)) if w.isalpha()]
    capitalised = sum(1 for w in letters if w[:1].isupper())
    return capitalised * 2 < len(letters)


@lru_cache(maxsize=8)  # asked once per hit, about the same few texts
def _has_case(text: str) -> bool:
    return any(c.islower() for c in text) and any(c.isupper() for c in text)


def _written_as_common_words(
    surface: str, text: str, capitals: tuple[bool, ...] | None = None
) -> bool:
    """True when a name stands in lower case inside text that capitalises its names.

    Vietnamese capitalises every syllable of a place name; "chiến thắng" (victory) or "hòa
    bình" (peace) in lower case are words, while "Chiến Thắng" and "Hòa Bình" may be communes.
    Text without case (all lower, all upper: social posts, headlines) proves nothing.
    """
    if not _has_case(text):
        return False
    if capitals is not None:  # a landmark: its kind word is written in lower case
        words = _WORD.findall(surface)
        return any(w[0].islower() and c for w, c in zip(words, capitals, strict=False))
    words = [w for w in _WORD.findall(surface) if not w.isdigit()]
    return any(w[0].islower() for w in words)


def _end_offset(text: str, offsets: list[int], end: int) -> int:
    """Where a match ending before normalised index ``end`` ends in the original text.

    Not ``offsets[end]``: that is where the next kept character starts, after any punctuation
    or spaces normalisation dropped ("Quảng Ngãi)." must end before the bracket).
    """
    if end <= 0:
        return offsets[0] if offsets else 0
    position = offsets[end - 1] + 1
    while position < len(text) and unicodedata.combining(text[position]):
        position += 1  # NFD: the marks of the last letter belong to it
    return position


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def _inside_phrase(text: str, start: int, end: int, phrase: str) -> bool:
    index = text.find(phrase, max(0, start - len(phrase)))
    while 0 <= index <= start:
        if index + len(phrase) >= end:
            return True
        index = text.find(phrase, index + 1)
    return False


# A business named after a place: "quán bún bò Phổ Quang", "Công ty CP Xây dựng Quế Minh".
_BUSINESS = {"quán", "nhà hàng", "công ty", "cửa hàng", "khách sạn", "homestay", "tiệm", "hãng"}
# Clubs named after a place play elsewhere as often as at home: "FC Ba Bể ở Cầu Giấy".
_BUSINESS |= {"fc", "clb", "câu lạc bộ"}


def _named_business(before: list[str]) -> bool:
    for i in range(len(before)):
        for n in (1, 2):
            if " ".join(before[i : i + n]) in _BUSINESS:
                rest = before[i + n :]
                return not any(w in _LOCATING for w in rest)  # "quán ăn ở Sa Huỳnh" is there
    return False


# "Quế Minh, 18 tuổi", "Sa Huỳnh (25 tuổi)", "Duc Pho, a 22-year-old": an age follows a person.
_AGE_AFTER = re.compile(r" ?[,(]? ?(?:an? )?\d{1,3} ?(?:tuổi|tuoi|years? old|yo)\b")
_CLAUSE_BREAK = re.compile(r"[^\w\s]")
# A name followed by the unit that holds it: "Xuân Sơn, Tân Sơn", "Vạn Ninh (Móng Cái)",
# "Đức Phổ thuộc Cát Tiên", "Van Ninh in Mong Cai".
_HOLDER_AFTER = re.compile(
    r"\s*(?:,|\(|-|–|(?:thuộc|thuoc|tại|tai|ở|of|in|o)\b)?\s*([^\W\d_][^,;:.()!?\n]{2,50})",
    re.IGNORECASE,
)
_BRACKET_AFTER = re.compile(r"\s*\(([^()]{2,50})\)")  # any punctuation or symbol ends a cue's reach


def _words_before(text: str, start: int, count: int = 3) -> list[str]:
    """The normalised words right before ``start`` in the original text, within its clause.

    A cue such as "tên" (name) or "đường" (street) only counts when nothing separates it from
    the name: in "trùng tên: Vạn Ninh" the colon ends the cue's reach.
    """
    return list(_clause_before(text, start)[-count:])


@lru_cache(maxsize=256)  # each hit asks up to three times, and many hits share a span
def _clause_before(text: str, start: int) -> tuple[str, ...]:
    window = unicodedata.normalize("NFC", text[max(0, start - 40) : start])
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end() :]
    return tuple(_WORD.findall(normalize(window)))


_UNIT_PREFIXES: dict[str, str] = {}
for _type, _abbrevs in UNIT_WORDS.items():
    _UNIT_PREFIXES[normalize(_type)] = _type
    for _abbrev in _abbrevs:
        _UNIT_PREFIXES[normalize(_abbrev).rstrip(". ")] = _type


def _unit_word(words: list[str]) -> str | None:
    """The unit type written right before a name ("phường", "tx", "thành phố"), if any."""
    for n in (2, 1):
        if len(words) >= n:
            candidate = " ".join(words[-n:])
            if candidate in _UNIT_PREFIXES:
                return _UNIT_PREFIXES[candidate]
    return None


# English unit words after a name, as types: "Van Thang ward", "Duc Pho town".
_ENGLISH_TYPE_AFTER: dict[str, set[str]] = {
    "province": {"tỉnh"},
    "city": {"thành phố"},
    "district": {"huyện", "quận"},
    "town": {"thị xã", "thị trấn"},
    "township": {"thị trấn"},
    "commune": {"xã"},
    "ward": {"phường"},
}


def _english_types_after(norm: str, end: int) -> set[str]:
    following = _WORD.match(norm, end + 1) if norm[end : end + 1] == " " else None
    return _ENGLISH_TYPE_AFTER.get(following.group(0), set()) if following else set()


def _fits(written: str, ours: set[str]) -> bool:
    """Whether a written unit word can name one of our units: the same type, or for a
    district or province the same level ("huyện Đức Phổ" for the thị xã it became)."""
    if written in ours:
        return True
    level = _LEVEL_OF_TYPE.get(written)
    if written == "thành phố":
        return any(_LEVEL_OF_TYPE.get(t) in ("province", "district") for t in ours)
    if written == "thị xã" and "thành phố" in ours:
        return True  # towns become cities: "thị xã Bắc Kạn" until 2015
    return level in ("province", "district") and any(_LEVEL_OF_TYPE.get(t) == level for t in ours)


def _longest_per_locality(
    hits: list[tuple[int, int, _Variant]],
) -> list[tuple[int, int, _Variant]]:
    """Drop a hit inside a longer hit of the same locality ("Đức Phổ" in "thị xã Đức Phổ")."""
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, _Variant]] = []
    kept_of: dict[str, list[tuple[int, int, _Variant]]] = defaultdict(list)
    for start, end, v in hits:
        if any(k[0] <= start and end <= k[1] and k != (start, end, v) for k in kept_of[v.locality]):
            continue
        kept.append((start, end, v))
        kept_of[v.locality].append((start, end, v))
    # One hit per (span, locality): the strongest variant.
    best: dict[tuple[int, int, str], tuple[int, int, _Variant]] = {}
    for hit in kept:
        key = (hit[0], hit[1], hit[2].locality)
        current = best.get(key)
        if current is None or _rank(hit[2]) > _rank(current[2]):
            best[key] = hit
    return list(best.values())


def _rank(v: _Variant) -> tuple[bool, bool, bool]:
    return (v.typed, not v.shared, v.accented)


# --- building -------------------------------------------------------------------------------


@dataclass
class _Names:
    """Every unit by its normalised name and by its unaccented name."""

    exact: dict[str, list[Unit]]
    folded: dict[str, list[Unit]]

    @classmethod
    def of(cls, gazetteer: Gazetteer) -> _Names:
        exact: dict[str, list[Unit]] = defaultdict(list)
        folded: dict[str, list[Unit]] = defaultdict(list)
        for unit in gazetteer.units.values():
            key = normalize(unit.name)
            exact[key].append(unit)
            folded[fold(key)].append(unit)
        return cls(exact, folded)


def build_matcher(localities: Sequence[Locality], gazetteer: Gazetteer) -> Matcher:
    """Derive every surface of every locality and compile them into one automaton."""
    names = _Names.of(gazetteer)
    regions = _Regions(gazetteer)
    landmarks = load_landmarks()
    codes = {p.name: p.code for p in gazetteer.provinces("former")}
    # folded bare landmark name → the former provinces where a landmark is so named
    landmark_regions: dict[str, set[str]] = defaultdict(set)
    for landmark in landmarks:
        if landmark.province in codes:
            landmark_regions[fold(normalize(landmark.name))].add(codes[landmark.province])
    scopes: dict[str, _Scope] = {}
    variants: list[_Variant] = []
    for locality in localities:
        scope = _scope_for(locality, gazetteer, regions)
        scopes[locality.id] = scope
        # "Quế Sơn" is both the district that held Quế Minh and the 2025 commune that replaced
        # it; written bare it is the district (context), only "xã Quế Sơn" is the commune.
        containers = {fold(normalize(gazetteer.get(c).name)) for c in _container_codes(scope)}
        scope.inside_words = containers | {
            w for u in scope.units.values() for w in (normalize(u.name), fold(normalize(u.name)))
        }
        scope.inside_words |= {normalize(gazetteer.get(c).name) for c in _container_codes(scope)}
        scope.district_words = {
            fold(normalize(u.name))
            for u in (
                *scope.units.values(),
                *(gazetteer.get(c) for c in _container_codes(scope)),
            )
            if u.level == "district"
        }
        landmarks_elsewhere = frozenset(
            name for name, found in landmark_regions.items() if found - scope.regions
        )
        for unit in scope.units.values():
            unit_variants = _unit_variants(locality.id, unit, scope, names, landmarks_elsewhere)
            if fold(normalize(unit.name)) in containers:
                unit_variants = [v for v in unit_variants if v.typed]
            variants.extend(unit_variants)
        for alias in locality.aliases:
            key = normalize(alias)
            variants.append(_Variant(locality.id, None, key, True, False, False, alias=True))
            if fold(key) != key:
                variants.append(
                    _Variant(locality.id, None, fold(key), False, False, False, alias=True)
                )
    excluded = {normalize(e) for loc in localities for e in loc.exclude}
    variants = [v for v in variants if v.key not in excluded and fold(v.key) not in excluded]
    typed = {(u.type, fold(normalize(u.name))) for u in gazetteer.units.values()}
    in_scope = {
        (u.type, fold(normalize(u.name))) for scope in scopes.values() for u in scope.units.values()
    }
    types_in_scope: dict[tuple[str, str], set[str]] = defaultdict(set)
    for scope in scopes.values():
        for u in scope.units.values():
            types_in_scope[(scope.locality.id, fold(normalize(u.name)))].add(u.type)
    signals = regions.signals(names)
    marks, capitals = _landmark_signals(names, regions, landmarks, codes)
    for key, signal in marks.items():
        signals.setdefault(key, signal)  # a unit's name places a text more surely
    return Matcher(
        scopes,
        _dedupe(variants),
        signals,
        typed - in_scope,
        dict(types_in_scope),
        frozenset(names.folded),
        {
            key: frozenset(r for u in units for r in regions.of(u))
            | landmark_regions.get(key, set())
            for key, units in names.folded.items()
        },
        _holders(gazetteer, names),
        {k: v for k, v in capitals.items() if k in marks and signals[k] == marks[k]},
    )


LANDMARK_LEVEL = 3  # below a commune: a landmark places a text, it never holds a unit


def _landmark_without_case(key: str, capitals: tuple[bool, ...]) -> bool:
    """Whether a landmark form still names the place in text without case: with its kind
    word (the leading words its data writes in lower case), and either its accents or a kind
    word no other word folds to ("deo ca": đèo Cả; "den do" may be đèn đỏ, a red light)."""
    words = key.split(" ")
    kind_words = len(capitals) - len(tuple(dropwhile(lambda c: not c, capitals)))
    if kind_words == 0:
        return False  # a bare name: in text without case, as likely a word
    if key != fold(key):
        return True
    return len(words) >= 3 or " ".join(words[:kind_words]) in _FOLDED_KINDS_KEPT


_FOLDED_KINDS_KEPT = {"deo", "vinh", "thac", "nui", "cua khau", "vuon quoc gia", "dao", "ho"}


def _landmark_signals(
    names: _Names, units: _Regions, landmarks: Sequence[Landmark], codes: dict[str, str]
) -> tuple[dict[str, tuple[str, frozenset[str], int]], dict[str, tuple[bool, ...]]]:
    """Landmark forms that place a text in one former province, and which of their words
    are capitalised ("vịnh Vân Phong": the name, not the kind word).

    A pass on a border ("đèo Cả", "đèo Bình Đê") places a text in either province; forms
    found in three provinces or more (a "cầu Rồng" in several) place nothing. The bare name
    counts too when no unit is so named and it has two syllables or more ("Hỏa Lò"). A
    landmark named after a unit of its own province ("bãi biển Đại Lãnh") is left out: the
    unit's name, read with its landscape word, already places the text.
    """
    regions: dict[str, set[str]] = defaultdict(set)
    capitals: dict[str, tuple[bool, ...]] = {}

    def add(form: str, region: str) -> None:
        key = normalize(form)
        mask = tuple(w[0].isupper() for w in _WORD.findall(form))
        for k in (key, fold(key)):
            regions[k].add(region)
            capitals[k] = mask

    for landmark in landmarks:
        region = codes.get(landmark.province)
        if region is None:
            continue  # reported by check_landmarks
        namesakes = names.folded.get(fold(normalize(landmark.name)), [])
        if any(region in units.of(u) for u in namesakes):
            continue  # "bãi biển Đại Lãnh": read through the unit's own name
        for form in landmark.forms():
            add(form, region)
        bare = normalize(landmark.name)
        if landmark.kind != "-" and " " in bare and fold(bare) not in names.folded:
            add(landmark.name, region)
    signals = {
        key: ("landmark", frozenset(found), LANDMARK_LEVEL)
        for key, found in regions.items()
        if len(found) <= 2 and len(fold(key).replace(" ", "")) >= 4
    }
    return signals, capitals


def _holders(gazetteer: Gazetteer, names: _Names) -> dict[str, frozenset[tuple[str, str]]]:
    """Folded name → (level, folded name) of the districts and provinces that hold units
    so named."""
    holders: dict[str, frozenset[tuple[str, str]]] = {}
    for key, units in names.folded.items():
        if len(units) < 2:
            continue  # a name used once has no namesake to tell apart
        found = {
            (level, fold(normalize(gazetteer.get(code).name)))
            for u in units
            for level, code in (("district", u.district), ("province", u.province))
            if code is not None
        }
        holders[key] = frozenset(found)
    return holders


def _container_codes(scope: _Scope) -> set[str]:
    """Codes of the former units that hold the locality's units (its district, province)."""
    return {
        code
        for unit in scope.units.values()
        if unit.era == "former"
        for code in (unit.district, unit.province)
        if code is not None and code not in scope.units
    }


class _Regions:
    """Former provinces (63) as regions: fine enough to tell Phổ Yên from Bắc Kạn."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._cache: dict[str, frozenset[str]] = {}

    def of(self, unit: Unit) -> frozenset[str]:
        cached = self._cache.get(unit.code)
        if cached is not None:
            return cached
        if unit.era == "former":
            result = frozenset({unit.code if unit.level == "province" else unit.province or ""})
        else:
            result = frozenset(
                r for former in self.gazetteer.predecessors(unit.code) for r in self.of(former)
            )
        self._cache[unit.code] = result
        return result

    def signals(self, names: _Names) -> dict[str, tuple[str, frozenset[str], int]]:
        """Names that place a text in one former province: unit names found in one only, and
        every province name (each also a former province's)."""
        signals: dict[str, tuple[str, frozenset[str], int]] = {}
        for index in (names.exact, names.folded):
            for key, units in index.items():
                if len(fold(key).replace(" ", "")) < 5 or " " not in key:
                    continue  # short or one-syllable names are too often plain words
                found = {r for u in units for r in self.of(u)}
                if len(found) == 1:
                    rank = min(_LEVEL_RANK[u.level] for u in units)
                    signals[key] = ("unit", frozenset(found), rank)
        for unit in self.gazetteer.units.values():
            if unit.level == "province" and unit.era == "former":
                key = normalize(unit.name)
                region = frozenset({unit.code})
                signals[key] = ("province", region, 0)
                signals[fold(key)] = ("province", region, 0)
                if " " in key:
                    signals[fold(key).replace(" ", "")] = ("province", region, 0)
        # Other spellings of provinces place a text too: "TP.HCM", "Sài Gòn", "Bắc Cạn".
        for old, new in OLD_SPELLINGS.items():
            provinces = [u for u in names.exact.get(normalize(new), []) if u.level == "province"]
            former = [u for u in provinces if u.era == "former"]  # HCM, not HCM + Bình Dương
            found = {r for u in former or provinces for r in self.of(u)}
            if len(found) == 1:
                signals.setdefault(normalize(old), ("province", frozenset(found), 0))
                signals.setdefault(fold(normalize(old)), ("province", frozenset(found), 0))
        return signals


def _dedupe(variants: list[_Variant]) -> list[_Variant]:
    seen: dict[tuple[str, str, bool], _Variant] = {}
    for v in variants:
        key = (v.locality, v.key, v.accented)
        current = seen.get(key)
        if current is None or _rank(v) > _rank(current):
            seen[key] = v
    return list(seen.values())


def _scope_for(locality: Locality, gazetteer: Gazetteer, regions: _Regions) -> _Scope:
    scope = _Scope(locality=locality)
    roots = gazetteer.resolve_locality(locality.name, locality.province)
    for root in roots:
        scope.units[root.code] = root
        for unit in gazetteer.descendants(root.code):
            scope.units[unit.code] = unit
    # Former units lead to the current communes that replaced them (not to a successor
    # province: Thái Nguyên is not Bắc Kạn), and current units to the former ones they absorbed.
    for unit in list(scope.units.values()):
        if unit.era == "former" and unit.level != "province":
            for code in unit.successors:
                successor = gazetteer.get(code)
                if successor.level == "commune":
                    scope.units[code] = successor
        elif unit.era == "current" and unit.level == "commune":
            for former in gazetteer.predecessors(unit.code):
                if former.level == "commune":
                    scope.units[former.code] = former
    # Where it lies: the former provinces of its roots; and the names of the provinces, of
    # either era, that hold it (Quế Minh of Quảng Nam now lies in Đà Nẵng).
    for root in roots:
        scope.regions |= regions.of(root)
    for unit in scope.units.values():
        if unit.level == "province":
            scope.province_words.add(normalize(unit.name))
        elif unit.province:
            scope.province_words.add(normalize(gazetteer.get(unit.province).name))
    scope.province_words.add(normalize(locality.province))
    scope.province_words |= {fold(w) for w in scope.province_words}
    others = {
        normalize(p.name) for p in gazetteer.provinces("former") if p.code not in scope.regions
    }
    scope.successor_words = {
        w for w in scope.province_words if w in others or w in {fold(o) for o in others}
    }
    scope.province_words -= scope.successor_words
    # Hashtags join the words: #KhanhHoa, #QuangNgai.
    scope.province_words |= {fold(w).replace(" ", "") for w in scope.province_words if " " in w}
    scope.successor_words |= {fold(w).replace(" ", "") for w in scope.successor_words if " " in w}
    scope.alias_words = {normalize(a) for a in locality.aliases}
    scope.alias_words |= {fold(w) for w in scope.alias_words}
    scope.excludes = [normalize(e) for e in locality.exclude]
    return scope


def _unit_variants(
    locality_id: str,
    unit: Unit,
    scope: _Scope,
    names: _Names,
    landmarks_elsewhere: frozenset[str] = frozenset(),
) -> Iterable[_Variant]:
    name = normalize(unit.name)
    # Old spellings of this name ("bắc cạn"), unless the old form is a unit's name today.
    spellings = {name} | {
        normalize(old)
        for old, new in OLD_SPELLINGS.items()
        if normalize(new) == name and not names.exact.get(normalize(old))
    }
    outside = [u for u in names.exact[name] if u.code not in scope.units]
    outside_folded = [u for u in names.folded[fold(name)] if u.code not in scope.units]
    # Wards and communes named after people ("Nguyễn Thị Minh Khai", "Nguyễn Nghiêm"): bare,
    # the name is more often the person, so it needs context like a shared name.
    syllables = fold(name).split(" ")
    person = syllables[0] in _SURNAMES and (len(syllables) >= 3 or syllables[0] == "nguyen")
    person = person or fold(name) in _FOREIGN_NAMESAKES  # bare, "Côn Minh" is Kunming first
    person = person or fold(name) in landmarks_elsewhere  # "Phổ Minh": the pagoda in Nam Định
    typed_words = [unit.type, *UNIT_WORDS.get(unit.type, ())]
    # "Phường 1" is never written "1"; two-letter names are words, not places, when alone.
    bare_allowed = not name.isdigit() and len(fold(name).replace(" ", "")) >= 3
    for spelled in spellings:
        folded = fold(spelled)
        if bare_allowed:
            yield _Variant(locality_id, unit.code, spelled, True, False, bool(outside) or person)
            yield _Variant(
                locality_id, unit.code, folded, False, False, bool(outside_folded) or person
            )
            if " " in folded:  # hashtags: #SaHuynh, #ducpho, #ĐứcPhổ
                joined = folded.replace(" ", "")
                yield _Variant(locality_id, unit.code, joined, False, False, bool(outside_folded))
                yield _Variant(
                    locality_id, unit.code, spelled.replace(" ", ""), True, False, bool(outside)
                )
        for word in typed_words:
            prefix = normalize(word).rstrip(".")
            separators = (" ",) if word == unit.type else (" ", ". ", ".")
            for sep in separators:
                key = f"{prefix}{sep}{spelled}"
                clash = any(u.type == unit.type for u in outside)
                clash_folded = any(u.type == unit.type for u in outside_folded)
                yield _Variant(locality_id, unit.code, key, True, True, clash)
                yield _Variant(locality_id, unit.code, fold(key), False, True, clash_folded)
        for english in _ENGLISH_SUFFIX.get(unit.type, ()):
            clash_folded = any(u.type == unit.type for u in outside_folded)
            yield _Variant(locality_id, unit.code, f"{spelled} {english}", True, True, False)
            yield _Variant(locality_id, unit.code, f"{folded} {english}", False, True, clash_folded)
            if unit.level == "province":
                yield _Variant(
                    locality_id, unit.code, f"{english} of {folded}", False, True, clash_folded
                )
