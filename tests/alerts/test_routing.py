"""Routing: which offices hear of a story, and whether at once or only in their digest.

An office gets the stories of the topics it handles in the localities it covers; routing rules
add offices (the border guard, the police and the culture office for urgent sovereignty news)
and make them hear at once; below an office's own minimum severity a story waits for the
digest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.routing import route
from monitor.config.loader import load_config
from monitor.config.models import Config, Route
from monitor.storage.models import Alert
from tests.alerts.flagged import (
    DUCPHO,
    FOREIGN,
    LOCAL,
    SOURCES,
    VANNINH,
    flag,
    office,
    rows,
    setup_sources,
)

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
POLICE = office("congan", topics=("distortion",))
CULTURE = office("vhtt", topics=("human_rights", "distortion"), min_severity="normal")
BORDER = office("bienphong", topics=("sovereignty",), localities=("ducpho",))
RELIGION = office("tongiao", topics=("human_rights",), localities=("vanninh",), min_severity="info")
SOVEREIGNTY_RULE = Route(
    topics=("sovereignty",),
    min_severity="urgent",
    offices=("congan", "vhtt", "bienphong"),
    line=31,
)


def config_of(*routes: Route) -> Config:
    return Config(
        path="<test>",
        localities=(DUCPHO, VANNINH),
        offices=(POLICE, CULTURE, BORDER, RELIGION),
        routes=routes,
    )


def decided(
    config: Config, topics: list[str], localities: list[str], severity: str
) -> dict[str, tuple[bool, str]]:
    """office id → (immediate, why) for a story."""
    return {r.office.id: (r.immediate, r.why) for r in route(config, topics, localities, severity)}


def test_a_story_goes_to_the_offices_that_handle_its_topics() -> None:
    """Each office names the topics it follows; the others are not bothered."""
    config = config_of()
    assert decided(config, ["distortion"], ["ducpho"], "urgent") == {
        "congan": (True, "topics"),
        "vhtt": (True, "topics"),
    }
    assert decided(config, ["sovereignty"], ["ducpho"], "urgent") == {"bienphong": (True, "topics")}
    assert decided(config, ["sovereignty", "distortion"], ["ducpho"], "urgent").keys() == {
        "congan",
        "vhtt",
        "bienphong",
    }


def test_an_office_gets_only_the_localities_it_covers() -> None:
    """The border post of Đức Phổ does not hear of Vạn Ninh; an office that names no locality
    covers them all; a story naming both places reaches both places' offices."""
    config = config_of()
    assert decided(config, ["human_rights"], ["ducpho"], "normal").keys() == {"vhtt"}
    assert decided(config, ["human_rights"], ["vanninh"], "normal").keys() == {"vhtt", "tongiao"}
    assert decided(config, ["sovereignty"], ["vanninh"], "urgent") == {}
    assert decided(config, ["sovereignty"], ["vanninh", "ducpho"], "urgent").keys() == {"bienphong"}


def test_below_its_minimum_severity_an_office_sees_the_story_only_in_its_digest() -> None:
    """``min_severity`` is the line between a message now and a line in tomorrow's digest."""
    config = config_of()
    # congan: urgent only (the default); vhtt: normal and up; tongiao: everything.
    assert decided(config, ["human_rights", "distortion"], ["vanninh"], "normal") == {
        "congan": (False, "topics"),
        "vhtt": (True, "topics"),
        "tongiao": (True, "topics"),
    }
    assert decided(config, ["human_rights", "distortion"], ["vanninh"], "info") == {
        "congan": (False, "topics"),
        "vhtt": (False, "topics"),
        "tongiao": (True, "topics"),
    }


def test_a_sovereignty_rule_adds_police_culture_office_and_border_guard_for_urgent_news() -> None:
    """The localities' plans: urgent sovereignty news concerns the police and the culture
    office too, although sovereignty is not among their own topics, and they hear at once."""
    config = config_of(SOVEREIGNTY_RULE)
    assert decided(config, ["sovereignty"], ["ducpho"], "urgent") == {
        "congan": (True, "route at line 31"),
        "vhtt": (True, "route at line 31"),
        "bienphong": (True, "route at line 31"),
    }
    # Below the rule's severity only the border guard, by its topics, and in its digest.
    assert decided(config, ["sovereignty"], ["ducpho"], "normal") == {
        "bienphong": (False, "topics")
    }


def test_an_office_added_by_a_rule_hears_at_once_whatever_its_own_minimum() -> None:
    """The rule is the decision that these offices must know now; an office's own threshold
    is about the stories it receives by topic."""
    every_normal_story = Route(topics=("sovereignty",), min_severity="normal", offices=("congan",))
    config = config_of(every_normal_story)
    assert POLICE.min_severity == "urgent"
    assert decided(config, ["sovereignty"], ["ducpho"], "normal")["congan"] == (
        True,
        "route at line 0",
    )


def test_a_rule_can_be_limited_to_localities_and_can_apply_to_any_topic() -> None:
    """A coastal rule for Đức Phổ only; a rule without topics applies to every flagged story,
    but a story without any topic goes nowhere."""
    coastal = Route(
        topics=("sovereignty",),
        min_severity="info",
        offices=("tongiao",),
        localities=("ducpho",),
        line=40,
    )
    anything = Route(topics=(), min_severity="urgent", offices=("bienphong",), line=41)
    config = config_of(coastal, anything)
    assert decided(config, ["sovereignty"], ["ducpho"], "normal") == {
        "bienphong": (False, "topics"),
        "tongiao": (True, "route at line 40"),
    }
    assert "tongiao" not in decided(config, ["sovereignty"], ["vanninh"], "normal")
    assert decided(config, ["human_rights"], ["vanninh"], "urgent")["bienphong"] == (
        True,
        "route at line 41",
    )
    assert decided(config, [], ["ducpho"], "urgent") == {}


def test_each_office_is_chosen_once_in_configuration_order() -> None:
    """One alert per story per office, however many reasons choose it."""
    twice = Route(topics=("distortion",), min_severity="info", offices=("vhtt", "congan"))
    routes = route(config_of(twice, SOVEREIGNTY_RULE), ["distortion", "sovereignty"], [], "urgent")
    assert [r.office.id for r in routes] == ["congan", "vhtt", "bienphong"]


ROUTES_YAML = """\
localities:
  - {id: ducpho, name: Đức Phổ, province: Quảng Ngãi}
offices:
  - id: congan-ducpho
    name: Công an phường Đức Phổ
    emails: [tructhongtin@congan-ducpho.example.org]
    topics: [human_rights, distortion]
  - id: vhxh-ducpho
    name: Phòng Văn hóa - Xã hội phường Đức Phổ
    emails: [vanhoa@ducpho.example.org]
    topics: [human_rights, distortion]
    min_severity: normal
  - id: bienphong-ducpho
    name: Đồn Biên phòng Sa Huỳnh
    emails: [thamuu@bienphong.example.org]
    topics: [sovereignty]
    min_severity: normal
routes:
  - topics: [sovereignty]
    min_severity: urgent
    offices: [congan-ducpho, vhxh-ducpho, bienphong-ducpho]
"""


def test_routes_written_in_sources_yaml_route_and_name_their_line(tmp_path: Path) -> None:
    """The documented example, read by the real loader: the reason names the rule's line so an
    officer can find why an office was alerted."""
    path = tmp_path / "sources.yaml"
    path.write_text(ROUTES_YAML, encoding="utf-8")
    config = load_config(path)
    assert decided(config, ["sovereignty"], ["ducpho"], "urgent") == {
        "congan-ducpho": (True, "route at line 19"),
        "vhxh-ducpho": (True, "route at line 19"),
        "bienphong-ducpho": (True, "route at line 19"),
    }
    assert decided(config, ["sovereignty"], ["ducpho"], "normal") == {
        "bienphong-ducpho": (True, "topics")
    }


def test_the_outbox_holds_immediate_alerts_as_pending_and_the_rest_for_the_digest(
    factory: sessionmaker[Session],
) -> None:
    """What routing decides becomes outbox rows in the classifying transaction: ``pending`` is
    sent by the dispatcher, ``digest_only`` waits for the digest; offices not chosen get none."""
    config = Config(
        path="<test>",
        localities=(DUCPHO, VANNINH),
        sources=SOURCES,
        offices=(POLICE, CULTURE, BORDER, RELIGION),
        routes=(SOVEREIGNTY_RULE,),
    )
    setup_sources(factory, config)
    urgent = flag(
        factory,
        config,
        "tau-ca",
        NOW,
        topics=["sovereignty"],
        scores={"sovereignty": 0.95},
        source=FOREIGN,
    )
    normal = flag(
        factory,
        config,
        "sap-cau",
        NOW,
        topics=["distortion"],
        scores={"distortion": 0.6},
        source=LOCAL,
    )
    by_story = {
        story: {(a.office_id, a.severity, a.status) for a in rows(factory, Alert.story_id == story)}
        for story in (urgent, normal)
    }
    assert by_story == {
        urgent: {
            ("congan", "urgent", "pending"),
            ("vhtt", "urgent", "pending"),
            ("bienphong", "urgent", "pending"),
        },
        normal: {("congan", "normal", "digest_only"), ("vhtt", "normal", "pending")},
    }
