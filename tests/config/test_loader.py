"""The loader: defaults, derived URLs, the exact wording of errors, whole-file problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import (
    Config,
    ConfigError,
    ConfigIssue,
    HtmlSelectors,
    Schedule,
    check_config,
    load_config,
)
from monitor.config.loader import parse_duration, parse_size, slug_suggestion
from monitor.sources.urls import google_news_search_url

FIXTURES = Path(__file__).parents[1] / "fixtures" / "config"


def write(tmp_path: Path, text: str, name: str = "sources.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [str(issue) for issue in check_config(path)]


# -- what a valid file gives -----------------------------------------------------------------------


def test_minimal_source_gets_every_default() -> None:
    config = load_config(FIXTURES / "minimal.yaml")

    source = config.source("vnexpress")
    assert source.kind == "feed"
    assert source.url == "https://www.vnexpress.net/rss/thoi-su.rss"
    assert source.name == "vnexpress.net"  # outlet name derived from the host, without www.
    assert source.origin == "domestic"
    assert source.language == "vi"
    assert source.type == "press"
    assert source.interval_seconds == Schedule().default_interval_seconds
    assert source.localities == ()  # every locality
    assert source.fetch_articles == "auto"
    assert source.article_selector is None
    assert source.selectors is None
    assert source.allow_private is False
    assert source.respect_robots is True
    assert source.enabled is True
    assert source.max_bytes == 10_000_000
    assert source.line == 8


def test_minimal_office_and_schedule_defaults() -> None:
    config = load_config(FIXTURES / "minimal.yaml")

    (office,) = config.offices
    assert office.emails == ("police@example.org",)
    assert office.topics == ("sovereignty",)
    assert office.localities == ()
    assert office.min_severity == "urgent"
    assert office.digest_time == "07:30"
    assert office.escalation_email is None
    assert config.schedule == Schedule()
    assert config.path == str(FIXTURES / "minimal.yaml")


def test_google_news_url_is_built_from_query() -> None:
    source = load_config(FIXTURES / "minimal.yaml").source("gn-ducpho")

    assert source.query == "Đức Phổ"
    assert source.url == google_news_search_url("Đức Phổ")
    assert source.url.startswith("https://news.google.com/rss/search?q=")
    assert source.name == "Google News: Đức Phổ"


def test_google_news_language_sets_the_edition(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n  - {id: gn, kind: google_news, query: Duc Pho, language: en}\n",
    )
    assert load_config(path).source("gn").url == google_news_search_url("Duc Pho", hl="en")


@pytest.mark.parametrize(
    "written",
    [
        "baoquangngai",
        "'@baoquangngai'",
        "t.me/baoquangngai",
        "https://t.me/baoquangngai",
        "https://t.me/s/baoquangngai",
        "https://telegram.me/baoquangngai/",
    ],
)
def test_telegram_url_is_normalised_to_the_preview(tmp_path: Path, written: str) -> None:
    path = write(tmp_path, f"sources:\n  - id: tg\n    kind: telegram\n    url: {written}\n")

    source = load_config(path).source("tg")
    assert source.url == "https://t.me/s/baoquangngai"
    assert source.type == "social"  # a channel is social media unless said otherwise
    assert source.name == "Telegram @baoquangngai"


def test_html_selectors_default_link_to_a() -> None:
    source = load_config(FIXTURES / "minimal.yaml").source("baoquangngai")
    assert source.selectors == HtmlSelectors(item="article", link="a")


def test_every_setting_in_its_written_forms() -> None:
    config = load_config(FIXTURES / "full.yaml")

    local = config.source("local-feed")
    assert local.name == "Loopback feed"
    assert (local.origin, local.language, local.type) == ("foreign", "en", "government")
    assert local.interval_seconds == 90 * 60
    assert local.localities == ("ducpho", "van-ninh")
    assert local.fetch_articles == "never"
    assert local.article_selector == "div.article-body"
    assert local.allow_private is True
    assert local.respect_robots is False
    assert local.enabled is False
    assert local.max_bytes == 5_000_000

    always = config.source("always-fetch")
    assert always.interval_seconds == 900
    assert always.localities == ("ducpho",)  # a single id is accepted without a list
    assert always.fetch_articles == "always"
    assert always.max_bytes == 2_000_000

    listing = config.source("listing")
    assert listing.interval_seconds == 900  # "15 phút"
    assert listing.selectors == HtmlSelectors(
        item="li.story", link="a.title", title="a.title", date="time", summary="p.sapo"
    )

    (office,) = config.offices
    assert office.emails == ("vanhoa@ducpho.example.org",)
    assert office.min_severity == "info"
    # Unquoted 7:05 is a base-60 integer to YAML 1.1; the loader reads the text as written.
    assert office.digest_time == "07:05"
    assert office.escalation_email == "lanhdao@ducpho.example.org"

    assert config.schedule == Schedule(
        default_interval_seconds=1200,
        jitter_seconds=90,
        timezone="Asia/Ho_Chi_Minh",
        retention_days=60,
        max_concurrency=4,
        per_host_concurrency=1,
        politeness_delay_seconds=0.5,
        request_deadline_seconds=45.0,
    )


def test_default_interval_applies_to_sources_without_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "schedule:\n  default_interval: 1h\n"
        "sources:\n  - {id: a, kind: feed, url: 'https://example.org/rss'}\n",
    )
    assert load_config(path).source("a").interval_seconds == 3600


def test_a_file_with_only_localities_is_valid() -> None:
    config = load_config(FIXTURES / "localities-only.yaml")

    assert [loc.id for loc in config.localities] == ["ducpho", "van-ninh"]
    assert config.localities[0].aliases == ("Sa Huỳnh", "Mỹ Á")
    assert config.localities[0].exclude == ("văn hóa Sa Huỳnh",)
    assert config.localities[1].aliases == ("Vạn Giã",)
    assert config.sources == ()
    assert config.offices == ()


def test_empty_mapping_and_empty_sections_are_valid(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "{}\n")) == Config(path=str(tmp_path / "sources.yaml"))
    path = write(tmp_path, "localities:\nsources:\noffices:\nschedule:\n")
    assert load_config(path).sources == ()


def test_text_values_are_not_yaml_booleans_or_numbers(tmp_path: Path) -> None:
    # "no" would be False and 1975 an int to a naive YAML load.
    path = write(
        tmp_path,
        "localities:\n  - id: x\n    name: No\n    province: '1975'\n    aliases: [yes, 1975]\n",
    )
    (locality,) = load_config(path).localities
    assert (locality.name, locality.province, locality.aliases) == ("No", "1975", ("yes", "1975"))


def test_yaml_merge_keys_share_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - &national {id: vnexpress, kind: feed, url: 'https://vnexpress.net/r', interval: 10m}\n"
        "  - <<: *national\n"
        "    id: tuoitre\n"
        "    url: https://tuoitre.vn/rss\n",
    )
    config = load_config(path)
    assert config.source("tuoitre").interval_seconds == 600
    assert config.source("tuoitre").url == "https://tuoitre.vn/rss"


# -- the exact messages of the brief ---------------------------------------------------------------


def test_unknown_kind_message(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n  - id: baoquangngai\n    kind: rsss\n    url: https://baoquangngai.vn/\n",
    )
    assert messages(path) == [
        f'{path}:3: source "baoquangngai": unknown kind "rsss" '
        "(expected one of: feed, google_news, html, telegram)"
    ]


def test_issue_str_is_file_line_message() -> None:
    issue = ConfigIssue("sources.yaml", 42, 'source "x": unknown kind "rsss"')
    assert str(issue) == 'sources.yaml:42: source "x": unknown kind "rsss"'


def test_all_errors_are_reported_at_once_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
localities:
  - id: l1
    name: Đức Phổ
    province: Quảng Ngãi
  - id: l3
    name: Sa Huỳnh
sources:
  - id: vnexpress
    kind: feed
    url: https://vnexpress.net/rss/thoi-su.rss
    interval: soon
  - id: vnexpress
    kind: feed
    url: https://vnexpress.net/rss/tin-moi-nhat.rss
  - id: x
    kind: feed
    urll: https://example.org/rss
  - id: y
    kind: rsss
    url: https://example.org/rss
  - id: z
    kind: feed
    url: https://example.org/rss
    localities: [l9]
offices:
  - id: police
    name: Công an
    emails: [police@example.org]
    topics: [sovreignty]
""",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)

    expected = [
        f'{path}:5: locality "l3": missing "province"',
        f'{path}:11: source "vnexpress": "interval" must be a duration like 15m, 1h or 900 '
        '(got "soon")',
        f'{path}:12: source "vnexpress" is defined twice (first at line 8)',
        f'{path}:17: source "x": unknown setting "urll" (did you mean "url"?)',
        f'{path}:19: source "y": unknown kind "rsss" '
        "(expected one of: feed, google_news, html, telegram)",
        f'{path}:24: source "z": locality "l9" is not defined in localities',
        f'{path}:29: office "police": topic "sovreignty" is unknown; did you mean "sovereignty"?',
    ]
    assert [str(issue) for issue in raised.value.issues] == expected
    assert str(raised.value) == "\n".join(expected)
    assert all(issue.file == str(path) for issue in raised.value.issues)


def test_secrets_are_refused_and_not_echoed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "offices:\n  - id: p\n    name: P\n    emails: [p@example.org]\n    topics: [distortion]\n"
        "    smtp_password: hunter2\n",
    )
    assert messages(path) == [
        f'{path}:6: "smtp_password": secrets do not belong in sources.yaml; '
        "set MONITOR_SMTP_PASSWORD or MONITOR_SMTP_PASSWORD_FILE instead"
    ]
    assert "hunter2" not in "\n".join(messages(path))


# -- whole-file problems ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    (issue,) = raised.value.issues
    assert issue.line == 0
    assert str(issue) == f"{path}: file not found (looked for {path})"


def test_folder_instead_of_file(tmp_path: Path) -> None:
    assert messages(tmp_path) == [f"{tmp_path}: is a folder, not a configuration file"]


def test_empty_file() -> None:
    path = FIXTURES / "empty.yaml"
    assert messages(path) == [
        f"{path}: the file is empty "
        "(expected sections such as: localities, sources, offices, routes, rules, schedule)"
    ]


def test_file_that_is_not_a_mapping() -> None:
    path = FIXTURES / "not-a-mapping.yaml"
    assert messages(path) == [
        f"{path}:1: the file must be a set of sections "
        "(localities:, sources:, offices:, schedule:), not a list"
    ]


def test_file_that_is_plain_text(tmp_path: Path) -> None:
    path = write(tmp_path, "# notes\nhello world\n")
    assert messages(path) == [
        f"{path}:2: the file must be a set of sections "
        '(localities:, sources:, offices:, schedule:), not "hello world"'
    ]


def test_file_not_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes("localities:\n  - id: x\n    name: Đức Phổ\n".encode("utf-16-le"))
    (issue,) = check_config(path)
    assert issue.message == "is not UTF-8 text; save it again choosing the UTF-8 encoding"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + b"localities: []\n")
    assert check_config(path) == []


def test_second_document_is_a_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "localities: []\n---\nsources: []\n")
    assert messages(path) == [
        f"{path}:2: YAML syntax error: expected a single document in the stream "
        'but found another document (remove the extra "---" line)'
    ]


# -- value parsers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("900", 900),
        ("90s", 90),
        ("15m", 900),
        ("1h", 3600),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("2d", 172800),
        ("500ms", 0.5),
        ("1.5s", 1.5),
        ("15 phút", 900),
        ("2 giờ", 7200),
        ("15min", 900),
        ("30 minutes", 1800),
        ("2hours", 7200),
        ("10sec", 10),
        ("1day", 86400),
        ("1 Phút", 60),
        ("soon", None),
        ("15x", None),
        ("m", None),
        ("", None),
        ("15m soon", None),
    ],
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("5MB", 5_000_000),
        ("500 KB", 500_000),
        ("2MiB", 2 * 1024 * 1024),
        ("10000000", 10_000_000),
        ("1.5mb", 1_500_000),
        ("big", None),
        ("5 TB", None),
    ],
)
def test_parse_size(text: str, size: int | None) -> None:
    assert parse_size(text) == size


def test_slug_suggestion_drops_vietnamese_marks() -> None:
    assert slug_suggestion("Báo Quảng Ngãi") == "bao-quang-ngai"
    assert slug_suggestion("Đức Phổ") == "duc-pho"


ALERTING = """offices:
  - id: police
    name: Công an phường Đức Phổ
    emails: [police@example.org]
    topics: [distortion]
    quiet_hours: "22:00-06:00"
    max_per_hour: 5
    escalate_after: 1h
    escalation_email: truc@example.org
  - id: border
    name: Đồn Biên phòng
    emails: [border@example.org]
    topics: [sovereignty]
routes:
  - topics: [sovereignty]
    min_severity: urgent
    offices: [police, border]
"""


def test_office_alert_options_and_routes_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ALERTING))
    police = config.office("police")
    assert police.quiet_hours == ("22:00", "06:00")
    assert (police.max_per_hour, police.escalate_after_minutes) == (5, 60)
    assert config.office("border").max_per_hour == 20  # defaulted
    (route,) = config.routes
    assert route.offices == ("police", "border") and route.min_severity == "urgent"
    assert route.line == 15


def test_bad_routes_and_alert_options_name_their_line(tmp_path: Path) -> None:
    text = (
        ALERTING.replace('"22:00-06:00"', "late")
        .replace("max_per_hour: 5", "max_per_hour: 0")
        .replace("offices: [police, border]", "offices: [polise]")
    )
    path = write(tmp_path, text)
    assert messages(path) == [
        f'{path}:6: office "police": "quiet_hours" must be two times like "22:00-06:00" '
        '(got "late")',
        f'{path}:7: office "police": "max_per_hour" must be at least 1 (got "0")',
        f'{path}:17: route #1: office "polise" is not defined in offices (did you mean "police"?)',
    ]
