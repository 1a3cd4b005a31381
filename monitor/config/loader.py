"""Read sources.yaml into a typed ``Config``, or say precisely what is wrong with it.

The file is edited by hand by information officers, not programmers, so every problem is reported
with its file and line in plain words, and all problems are reported at once: fixing one mistake
per run would be a miserable way to learn the format.

The YAML is *composed* (not constructed) so that every key and value keeps its position; values are
then read from the raw text of each scalar. Reading raw text also sidesteps YAML 1.1 surprises that
would otherwise reach officers: ``digest_time: 07:30`` is a base-60 integer to PyYAML, and
``aliases: [no]`` would be ``False``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from monitor.config.models import (
    SOURCE_KINDS,
    Config,
    FetchArticles,
    HtmlSelectors,
    Locality,
    Office,
    Origin,
    OutletType,
    Route,
    Rule,
    Schedule,
    Severity,
    Source,
    SourceKind,
)
from monitor.sources.urls import google_news_search_url, telegram_preview_url

TOPICS: tuple[str, ...] = ("sovereignty", "human_rights", "distortion")
SEVERITIES: tuple[str, ...] = ("urgent", "normal", "info")
ORIGINS: tuple[str, ...] = ("domestic", "foreign")
OUTLET_TYPES: tuple[str, ...] = ("press", "social", "government")
MIN_INTERVAL_SECONDS = 60

SECTIONS = ("localities", "sources", "offices", "routes", "rules", "schedule")
LOCALITY_KEYS = ("id", "name", "province", "aliases", "exclude")
SOURCE_KEYS = (
    "id",
    "kind",
    "url",
    "query",
    "name",
    "origin",
    "language",
    "type",
    "interval",
    "localities",
    "fetch_articles",
    "article_selector",
    "selectors",
    "allow_private",
    "robots",
    "enabled",
    "max_bytes",
    "province",
)
SELECTOR_KEYS = ("item", "link", "title", "date", "summary")
OFFICE_KEYS = (
    "id",
    "name",
    "emails",
    "topics",
    "localities",
    "min_severity",
    "digest_time",
    "escalation_email",
    "escalate_after",
    "quiet_hours",
    "max_per_hour",
    "webhook",
    "webhook_allow_private",
)
ROUTE_KEYS = ("topics", "min_severity", "offices", "localities")
SCHEDULE_KEYS = (
    "default_interval",
    "jitter",
    "timezone",
    "retention_days",
    "max_concurrency",
    "per_host_concurrency",
    "politeness_delay",
    "request_deadline",
)

_ALL_KEYS = frozenset(
    SECTIONS
    + LOCALITY_KEYS
    + SOURCE_KEYS
    + SELECTOR_KEYS
    + OFFICE_KEYS
    + ROUTE_KEYS
    + SCHEDULE_KEYS
)
# Ids appear in URLs, logs and JSON; the stable `monitor match` contract uses ids like "L3".
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_EMAIL = re.compile(r"^[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[A-Za-z]{2,}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(ms|giây|giay|s|sec|secs|second|seconds|phút|phut|m|min|mins|minute|minutes"
    r"|giờ|gio|h|hr|hrs|hour|hours|ngày|ngay|d|day|days)(?![^\W\d_])",  # unit ends at a non-letter
    re.IGNORECASE,
)
_UNITS: dict[float, tuple[str, ...]] = {
    0.001: ("ms",),
    1: ("s", "sec", "secs", "second", "seconds", "giây", "giay"),
    60: ("m", "min", "mins", "minute", "minutes", "phút", "phut"),
    3600: ("h", "hr", "hrs", "hour", "hours", "giờ", "gio"),
    86400: ("d", "day", "days", "ngày", "ngay"),
}
_UNIT_SECONDS = {name: factor for factor, names in _UNITS.items() for name in names}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$", re.IGNORECASE)
# Decimal units, as officers read them on a page-size display; the binary ones for engineers.
_SIZE_FACTOR = {"b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9}
_SIZE_FACTOR |= {"kib": 2**10, "mib": 2**20, "gib": 2**30}
_T = TypeVar("_T")
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}
_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file, worded for the officer who edits it."""

    file: str
    line: int  # 1-based; 0 when the problem is the file as a whole (missing, unreadable)
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}: {self.message}"
        return f"{self.file}: {self.message}"


class ConfigError(Exception):
    """The configuration cannot be used; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = issues


def load_config(path: str | Path) -> Config:
    """Return the validated configuration in ``path``; raise ``ConfigError`` listing all issues."""
    config, issues = _read(Path(path))
    if issues or config is None:
        raise ConfigError(issues)
    return config


def check_config(path: str | Path) -> list[ConfigIssue]:
    """Return every problem in the configuration at ``path`` (an empty list when it is usable)."""
    return _read(Path(path))[1]


def _read(path: Path) -> tuple[Config | None, list[ConfigIssue]]:
    name = str(path)
    try:
        # utf-8-sig: Windows editors (Notepad) often prepend a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, [_file_issue(name, f"file not found (looked for {path.absolute()})")]
    except IsADirectoryError:
        return None, [_file_issue(name, "is a folder, not a configuration file")]
    except UnicodeDecodeError as exc:
        line = path.read_bytes().count(b"\n", 0, exc.start) + 1
        message = "is not UTF-8 text; save it again choosing the UTF-8 encoding"
        return None, [ConfigIssue(name, line, message)]
    except OSError as exc:
        return None, [_file_issue(name, f"cannot be read ({exc.strerror})")]

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_issue(name, exc)]
    except yaml.YAMLError as exc:  # unmarked errors are rare (bad stream); keep the text
        return None, [_file_issue(name, f"is not valid YAML: {exc}")]

    checker = _Checker(name)
    config = checker.config(root)
    issues = sorted(set(checker.issues), key=lambda i: i.line)
    return (None if issues else config), issues


def _file_issue(name: str, message: str) -> ConfigIssue:
    return ConfigIssue(name, 0, message)


# PyYAML's wording is for programmers; each pattern adds what an officer should look at.
_SYNTAX_HINTS = (
    ("'\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", 'put quotes around text that contains ": "'),
    ("expected a single document", 'remove the extra "---" line'),
    ("expected <block end>", "check the indentation: settings of one item must line up"),
    ("expected ',' or ']'", 'a list opened with "[" is not closed with "]"'),
    ("expected ',' or '}'", 'a group opened with "{" is not closed with "}"'),
    ("undefined alias", 'a "*name" refers to no "&name" above it'),
)


def _syntax_issue(name: str, exc: yaml.MarkedYAMLError) -> ConfigIssue:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "not valid YAML"
    if exc.problem and exc.context and not exc.context.startswith("while"):
        problem = f"{exc.context} {exc.problem}"  # "expected a single document ... but found ..."
    if exc.context and "quoted scalar" in exc.context and exc.context_mark is not None:
        # The scanner only notices at the end of the file; the quote was opened much earlier.
        mark = exc.context_mark
        problem = "a quote is opened here but never closed"
    line = mark.line + 1 if mark is not None else 0
    hint = next((f" ({hint})" for pattern, hint in _SYNTAX_HINTS if pattern in problem), "")
    return ConfigIssue(name, line, f"YAML syntax error: {problem}{hint}")


@dataclass(frozen=True)
class _Entry:
    """A key and its value inside a YAML mapping, with the line of each."""

    key: str
    key_node: ScalarNode
    value: Node

    @property
    def line(self) -> int:
        return _line(self.value)

    @property
    def key_line(self) -> int:
        return _line(self.key_node)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL_TAG


def _describe(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return 'a group of "key: value" settings'
    if _is_null(node):
        return "nothing"
    return f'"{node.value}"'


def _suggest(word: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    by_lower = {k.lower(): k for k in known}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[matches[0]] if matches else None


def _is_secret(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    return any(word in lowered for word in ("password", "passwd", "secret", "api_key", "token"))


def _secret_hint(key: str) -> str:
    if "secret_key" in key.lower() or key.lower() == "secret":
        return "MONITOR_SECRET_KEY or MONITOR_SECRET_KEY_FILE"
    return "MONITOR_SMTP_PASSWORD or MONITOR_SMTP_PASSWORD_FILE"


def slug_suggestion(text: str) -> str:
    """Return ``text`` as an id officers can use: ``"Báo Quảng Ngãi"`` -> ``"bao-quang-ngai"``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-") or "my-id"


def parse_duration(text: str) -> float | None:
    """Return seconds for ``"15m"``, ``"1h30m"``, ``"90s"``, ``"900"``, ``"15 phút"``; else None."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if text[position : match.start()].strip():
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        position = match.end()
    if position == 0 or text[position:].strip():
        return None
    return total


def parse_size(text: str) -> int | None:
    """Return bytes for ``"5MB"``, ``"500 KB"``, ``"2MiB"`` or ``"10000000"``; else None."""
    match = _SIZE.fullmatch(text.strip().replace("_", ""))
    if not match:
        return None
    factor = _SIZE_FACTOR[(match.group(2) or "b").lower()]
    return int(float(match.group(1)) * factor)


class _Checker:
    """Walks the composed YAML once, collecting issues and building typed objects where valid."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.basename = Path(file).name
        self.issues: list[ConfigIssue] = []
        self.defined: dict[str, set[str]] = {"locality": set(), "source": set(), "office": set()}

    # -- reporting ---------------------------------------------------------------------------------

    def issue(self, line: int, message: str) -> None:
        self.issues.append(ConfigIssue(self.file, line, message))

    def mark(self) -> int:
        """Return a marker; ``clean_since(marker)`` tells whether nothing was reported after it."""
        return len(self.issues)

    def clean_since(self, marker: int) -> bool:
        return len(self.issues) == marker

    # -- structure ---------------------------------------------------------------------------------

    def config(self, root: Node | None) -> Config | None:
        if root is None:
            expected = ", ".join(SECTIONS)
            self.issue(0, f"the file is empty (expected sections such as: {expected})")
            return None
        self.find_secrets(root, set())
        if not isinstance(root, MappingNode):
            self.issue(
                _line(root),
                "the file must be a set of sections (localities:, sources:, offices:, schedule:), "
                f"not {_describe(root)}",
            )
            return None
        entries = self.entries(root, "")
        self.unknown_keys(entries, SECTIONS, "", noun="section")

        schedule = Schedule()
        if "schedule" in entries and not _is_null(entries["schedule"].value):
            schedule = self.schedule(entries["schedule"]) or schedule
        localities = self.section(entries.get("localities"), "locality", self.locality)
        # Ids of localities that failed validation still count as defined, so that one typo in a
        # locality does not also flood every source that names it.
        locality_ids = self.defined["locality"]
        sources = self.section(
            entries.get("sources"),
            "source",
            lambda source_id, node, fields: self.source(
                source_id, node, fields, schedule, locality_ids
            ),
        )
        offices = self.section(
            entries.get("offices"),
            "office",
            lambda office_id, node, fields: self.office(office_id, node, fields, locality_ids),
        )
        rules: tuple[Rule, ...] = ()
        if "rules" in entries and not _is_null(entries["rules"].value):
            rules = self.rules(entries["rules"])
        routes: tuple[Route, ...] = ()
        if "routes" in entries and not _is_null(entries["routes"].value):
            routes = self.routes(entries["routes"], self.defined["office"], locality_ids)
        return Config(
            path=self.file,
            localities=tuple(localities),
            sources=tuple(sources),
            offices=tuple(offices),
            rules=rules,
            routes=routes,
            schedule=schedule,
        )

    def rules(self, section: _Entry) -> tuple[Rule, ...]:
        """``rules: {sovereignty: [Đá Ba Đầu, ...], ...}``: phrases that give a topic."""
        entries = self.mapping(section.value, "", 'section "rules"')
        if entries is None:
            return ()
        result = []
        for topic, entry in entries.items():
            if topic not in TOPICS:
                hint = _suggest(topic, TOPICS)
                extra = (
                    f'; did you mean "{hint}"?'
                    if hint
                    else f" (expected one of: {', '.join(TOPICS)})"
                )
                self.issue(entry.key_line, f'rules: topic "{topic}" is unknown{extra}')
                continue
            phrases = self.text_list(entry, "rules: ", allow_empty=False)
            if phrases:
                result.append(Rule(topic=topic, phrases=phrases, line=entry.key_line))
        return tuple(result)

    def routes(
        self, section: _Entry, office_ids: set[str], locality_ids: set[str]
    ) -> tuple[Route, ...]:
        """``routes: [{topics: [sovereignty], min_severity: urgent, offices: [a, b]}]``."""
        if not isinstance(section.value, SequenceNode):
            self.issue(
                section.line,
                'section "routes" must be a list, each item starting with "- " '
                f"(got {_describe(section.value)})",
            )
            return ()
        result: list[Route] = []
        for number, node in enumerate(section.value.value, start=1):
            context = f"route #{number}: "
            entries = self.mapping(node, context, "a route")
            if entries is None:
                continue
            marker = self.mark()
            self.unknown_keys(entries, ROUTE_KEYS, context)
            self.require(entries, ("offices",), node, context)
            topics: tuple[str, ...] = ()
            if "topics" in entries:
                topics = self.topics(entries["topics"], context)
            severity = self.optional_choice(entries, "min_severity", context, SEVERITIES, "info")
            offices: tuple[str, ...] = ()
            if "offices" in entries:
                offices = self.references(entries["offices"], context, office_ids, "office") or ()
            localities: tuple[str, ...] = ()
            if "localities" in entries:
                localities = self.references(entries["localities"], context, locality_ids) or ()
            if self.clean_since(marker) and offices:
                result.append(
                    Route(
                        topics=topics,
                        min_severity=cast(Severity, severity),
                        offices=offices,
                        localities=localities,
                        line=_line(node),
                    )
                )
        return tuple(result)

    def topics(self, entry: _Entry, context: str) -> tuple[str, ...]:
        topics = self.text_list(entry, context, allow_empty=False)
        expected = ", ".join(TOPICS)
        for topic, line in self.item_lines(entry, topics):
            if topic not in TOPICS:
                hint = _suggest(topic, TOPICS)
                extra = f'; did you mean "{hint}"?' if hint else f" (expected one of: {expected})"
                self.issue(line, f'{context}topic "{topic}" is unknown{extra}')
        return topics

    def section(
        self,
        entry: _Entry | None,
        noun: str,
        build: Callable[[str, Node, dict[str, _Entry]], _T | None],
    ) -> list[_T]:
        """Build each item of a list section, checking the ids are present, valid and unique."""
        if entry is None or _is_null(entry.value):
            return []
        if not isinstance(entry.value, SequenceNode):
            self.issue(
                entry.line,
                f'section "{entry.key}" must be a list, each item starting with "- " '
                f"(got {_describe(entry.value)})",
            )
            return []
        result: list[_T] = []
        first_line: dict[str, int] = {}
        article = "an" if noun[0] in "aeiou" else "a"
        for number, node in enumerate(entry.value.value, start=1):
            entries = self.mapping(node, f"{noun} #{number}: ", f"{article} {noun}")
            if entries is None:
                continue
            if "id" not in entries:
                self.issue(_line(node), f'{noun} #{number}: missing "id"')
                continue
            item_id = self.ident(entries["id"], noun, number)
            if item_id is None:
                continue
            self.defined[noun].add(item_id)
            if item_id in first_line:
                self.issue(
                    entries["id"].line,
                    f'{noun} "{item_id}" is defined twice (first at line {first_line[item_id]})',
                )
                continue
            first_line[item_id] = entries["id"].line
            built = build(item_id, node, entries)
            if built is not None:
                result.append(built)
        return result

    def find_secrets(self, node: Node, seen: set[int]) -> None:
        """Report every key that looks like a password, wherever it is in the file."""
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and _is_secret(key_node.value):
                    self.issue(
                        _line(key_node),
                        f'"{key_node.value}": secrets do not belong in {self.basename}; '
                        f"set {_secret_hint(key_node.value)} instead",
                    )
                self.find_secrets(value_node, seen)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self.find_secrets(item, seen)

    def entries(self, node: MappingNode, context: str) -> dict[str, _Entry]:
        """Return the keys of ``node``, reporting repeated keys and applying ``<<`` merges."""
        own: dict[str, _Entry] = {}
        merged: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, MappingNode):
                        for key, entry in self.entries(source, context).items():
                            merged.setdefault(key, entry)
                    else:
                        self.issue(
                            _line(value_node), f'{context}"<<" must name a group of settings'
                        )
                continue
            if not isinstance(key_node, ScalarNode) or _is_null(key_node):
                self.issue(_line(key_node), f"{context}a setting name must be plain text")
                continue
            key = key_node.value
            if key in own:
                first = own[key].key_line
                self.issue(
                    _line(key_node), f'{context}"{key}" is given twice (first at line {first})'
                )
                continue
            own[key] = _Entry(key, key_node, value_node)
        return {**merged, **own}

    def mapping(self, node: Node, context: str, what: str) -> dict[str, _Entry] | None:
        if not isinstance(node, MappingNode):
            self.issue(
                _line(node),
                f'{context}{what} must be a group of "key: value" settings (got {_describe(node)})',
            )
            return None
        return self.entries(node, context)

    def unknown_keys(
        self,
        entries: dict[str, _Entry],
        known: tuple[str, ...],
        context: str,
        noun: str = "setting",
    ) -> None:
        for key, entry in entries.items():
            if key in known or _is_secret(key):
                continue
            suggestion = _suggest(key, known)
            if suggestion:
                hint = f'did you mean "{suggestion}"?'
            else:
                hint = "expected one of: " + ", ".join(known)
            self.issue(entry.key_line, f'{context}unknown {noun} "{key}" ({hint})')

    # -- values ------------------------------------------------------------------------------------

    def text(self, entry: _Entry, context: str) -> str | None:
        node = entry.value
        if not isinstance(node, ScalarNode):
            self.issue(entry.line, f'{context}"{entry.key}" must be text (got {_describe(node)})')
            return None
        value = "" if _is_null(node) else str(node.value).strip()
        if not value:
            self.issue(entry.line, f'{context}"{entry.key}" is empty')
            return None
        return value

    def text_list(
        self, entry: _Entry, context: str, *, allow_empty: bool = True
    ) -> tuple[str, ...]:
        node = entry.value
        if _is_null(node):
            items: list[Node] = []
        elif isinstance(node, ScalarNode):
            items = [node]
        elif isinstance(node, SequenceNode):
            items = list(node.value)
        else:
            self.issue(entry.line, f'{context}"{entry.key}" must be a list (got {_describe(node)})')
            return ()
        values: list[str] = []
        for item in items:
            if not isinstance(item, ScalarNode):
                self.issue(
                    _line(item),
                    f'{context}each item of "{entry.key}" must be text (got {_describe(item)})',
                )
                continue
            value = "" if _is_null(item) else str(item.value).strip()
            if not value:
                self.issue(_line(item), f'{context}"{entry.key}" has an empty item')
                continue
            values.append(value)
        if not items and not allow_empty:
            self.issue(entry.line, f'{context}"{entry.key}" must list at least one item')
        return tuple(values)

    def boolean(self, entry: _Entry, context: str) -> bool | None:
        raw = self.raw(entry)
        if raw is not None:
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
        got = _describe(entry.value)
        self.issue(entry.line, f'{context}"{entry.key}" must be true or false (got {got})')
        return None

    def integer(self, entry: _Entry, context: str, *, minimum: int) -> int | None:
        raw = self.raw(entry)
        try:
            value = int(raw.replace("_", "")) if raw is not None else None
        except ValueError:
            value = None
        if value is None:
            got = _describe(entry.value)
            self.issue(entry.line, f'{context}"{entry.key}" must be a whole number (got {got})')
            return None
        if value < minimum:
            self.issue(
                entry.line, f'{context}"{entry.key}" must be at least {minimum} (got "{raw}")'
            )
            return None
        return value

    def duration(self, entry: _Entry, context: str, *, minimum: float) -> float | None:
        raw = self.raw(entry)
        value = parse_duration(raw) if raw is not None else None
        if value is None:
            got = _describe(entry.value)
            self.issue(
                entry.line,
                f'{context}"{entry.key}" must be a duration like 15m, 1h or 900 (got {got})',
            )
            return None
        if value < minimum:
            self.issue(
                entry.line,
                f'{context}"{entry.key}" must be at least {minimum:g} seconds (got "{raw}")',
            )
            return None
        return value

    def choice(
        self, entry: _Entry, context: str, choices: tuple[str, ...], *, noun: str | None = None
    ) -> str | None:
        raw = self.raw(entry)
        if raw is not None and raw in choices:
            return raw
        expected = ", ".join(choices)
        if noun and raw is not None:
            if noun == "kind" and raw.lower() in ("rss", "atom", "xml"):
                expected += '; RSS and Atom are "feed"'
            self.issue(entry.line, f'{context}unknown {noun} "{raw}" (expected one of: {expected})')
        else:
            got = _describe(entry.value)
            self.issue(entry.line, f'{context}"{entry.key}" must be one of: {expected} (got {got})')
        return None

    def raw(self, entry: _Entry) -> str | None:
        """Return the scalar text of a value as written, or None for lists, groups and blanks."""
        node = entry.value
        if not isinstance(node, ScalarNode) or _is_null(node):
            return None
        return str(node.value).strip()

    def ident(self, entry: _Entry, noun: str, number: int) -> str | None:
        value = self.text(entry, f"{noun} #{number}: ")
        if value is None:
            return None
        if not _ID.match(value):
            self.issue(
                entry.line,
                f'{noun} "{value}": an id may only use letters a-z, digits, "-" and "_" '
                f'(for example "{slug_suggestion(value)}")',
            )
        return value

    def email(self, value: str, line: int, context: str) -> bool:
        if _EMAIL.match(value):
            return True
        self.issue(line, f'{context}"{value}" is not a valid email address')
        return False

    def url(self, entry: _Entry, value: str, context: str) -> str | None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            hint = ""
            if "://" not in value and "." in value:
                hint = f'; did you mean "https://{value}"?'
            self.issue(
                entry.line,
                f'{context}"{entry.key}" must be a web address starting with http:// or https:// '
                f'(got "{value}"{hint})',
            )
            return None
        if parts.username or parts.password:
            self.issue(
                entry.line,
                f'{context}"{entry.key}" must not contain a user name or password; '
                f"secrets do not belong in {self.basename}",
            )
            return None
        if any(ch.isspace() for ch in value):
            self.issue(entry.line, f'{context}"{entry.key}" must not contain spaces')
            return None
        return value

    def references(
        self, entry: _Entry, context: str, known: set[str], noun: str = "locality"
    ) -> tuple[str, ...] | None:
        ids = self.text_list(entry, context)
        marker = self.mark()
        section = "offices" if noun == "office" else "localities"
        for ref, line in self.item_lines(entry, ids):
            if ref not in known:
                suggestion = _suggest(ref, known)
                hint = f' (did you mean "{suggestion}"?)' if suggestion else ""
                self.issue(line, f'{context}{noun} "{ref}" is not defined in {section}{hint}')
        return ids if self.clean_since(marker) else None

    def require(
        self, entries: dict[str, _Entry], keys: tuple[str, ...], node: Node, context: str
    ) -> bool:
        """Report each of ``keys`` that is absent, and return whether all are present."""
        missing = [key for key in keys if key not in entries]
        for key in missing:
            # A misspelt key ("urll") already got a did-you-mean; "missing url" would be noise.
            misspelt = (p for p in entries if p not in _ALL_KEYS and _suggest(p, (key,)))
            if next(misspelt, None) is None:
                self.issue(_line(node), f'{context}missing "{key}"')
        return not missing

    # -- sections ----------------------------------------------------------------------------------

    def locality(self, locality_id: str, node: Node, entries: dict[str, _Entry]) -> Locality | None:
        context = f'locality "{locality_id}": '
        marker = self.mark()
        self.unknown_keys(entries, LOCALITY_KEYS, context)
        self.require(entries, ("name", "province"), node, context)
        name = self.text(entries["name"], context) if "name" in entries else None
        province = self.text(entries["province"], context) if "province" in entries else None
        aliases = self.text_list(entries["aliases"], context) if "aliases" in entries else ()
        exclude = self.text_list(entries["exclude"], context) if "exclude" in entries else ()
        if not self.clean_since(marker) or name is None or province is None:
            return None
        return Locality(
            id=locality_id,
            name=name,
            province=province,
            aliases=aliases,
            exclude=exclude,
            line=_line(node),
        )

    def source(
        self,
        source_id: str,
        node: Node,
        entries: dict[str, _Entry],
        schedule: Schedule,
        locality_ids: set[str],
    ) -> Source | None:
        context = f'source "{source_id}": '
        marker = self.mark()
        self.unknown_keys(entries, SOURCE_KEYS, context)
        # A missing or unknown kind still lets the other settings be checked, so that the officer
        # sees every mistake of this source in one run.
        kind = None
        if self.require(entries, ("kind",), node, context):
            kind = self.choice(entries["kind"], context, SOURCE_KINDS, noun="kind")

        language = "vi"
        if "language" in entries:
            language = self.text(entries["language"], context) or language
            if not _LANGUAGE.match(language):
                self.issue(
                    entries["language"].line,
                    f'{context}"language" must be a language code like vi or en (got "{language}")',
                )

        url, query, name = None, None, ""
        if kind is not None:
            url, query, name = self.source_address(kind, node, entries, language, context)

        if "name" in entries:
            name = self.text(entries["name"], context) or name
        origin = self.optional_choice(entries, "origin", context, ORIGINS, "domestic")
        default_type = "social" if kind == "telegram" else "press"
        outlet_type = self.optional_choice(entries, "type", context, OUTLET_TYPES, default_type)
        interval = float(schedule.default_interval_seconds)
        if "interval" in entries:
            interval = (
                self.duration(entries["interval"], context, minimum=MIN_INTERVAL_SECONDS)
                or interval
            )
        localities: tuple[str, ...] = ()
        if "localities" in entries:
            localities = self.references(entries["localities"], context, locality_ids) or ()
        fetch_articles = self.fetch_articles(entries, context)
        article_selector = None
        if "article_selector" in entries:
            article_selector = self.text(entries["article_selector"], context)
        selectors = self.selectors(kind, node, entries, context) if kind is not None else None
        flags = {
            key: self.boolean(entries[key], context) if key in entries else default
            for key, default in (("allow_private", False), ("robots", True), ("enabled", True))
        }
        max_bytes = 10_000_000
        if "max_bytes" in entries:
            max_bytes = self.size(entries["max_bytes"], context) or max_bytes
        province = None
        if "province" in entries:
            province = self.text(entries["province"], context)

        if not self.clean_since(marker) or kind is None or url is None:
            return None
        return Source(
            id=source_id,
            kind=cast(SourceKind, kind),
            url=url,
            name=name,
            origin=cast(Origin, origin),
            language=language,
            type=cast(OutletType, outlet_type),
            interval_seconds=round(interval),
            query=query,
            localities=localities,
            fetch_articles=fetch_articles,
            article_selector=article_selector,
            selectors=selectors,
            allow_private=bool(flags["allow_private"]),
            respect_robots=bool(flags["robots"]),
            enabled=bool(flags["enabled"]),
            max_bytes=max_bytes,
            province=province,
            line=_line(node),
        )

    def source_address(
        self,
        kind: str,
        node: Node,
        entries: dict[str, _Entry],
        language: str,
        context: str,
    ) -> tuple[str | None, str | None, str]:
        """Return (url, query, default name) for a source, deriving what its kind derives."""
        if kind == "google_news":
            if "url" in entries:
                self.issue(
                    entries["url"].key_line,
                    f'{context}a google_news source is built from "query"; remove "url"',
                )
            if "query" not in entries:
                self.issue(_line(node), f'{context}missing "query" (the words to search for)')
                return None, None, ""
            query = self.text(entries["query"], context)
            if query is None:
                return None, None, ""
            return google_news_search_url(query, hl=language), query, f"Google News: {query}"

        if "query" in entries:
            self.issue(entries["query"].key_line, f'{context}"query" only applies to google_news')
        if not self.require(entries, ("url",), node, context):
            return None, None, ""
        raw = self.text(entries["url"], context)
        if raw is None:
            return None, None, ""
        if kind == "telegram":
            try:
                raw = telegram_preview_url(raw)
            except ValueError:
                self.issue(
                    entries["url"].line,
                    f'{context}"url" is not a Telegram channel (got "{raw}"; write the channel '
                    'name, like "baoquangngai", or its link, like https://t.me/baoquangngai)',
                )
                return None, None, ""
        url = self.url(entries["url"], raw, context)
        if url is None:
            return None, None, ""
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        if kind == "telegram" and host == "t.me":
            return url, None, "Telegram @" + parts.path.rstrip("/").rsplit("/", 1)[-1]
        return url, None, host

    def optional_choice(
        self,
        entries: dict[str, _Entry],
        key: str,
        context: str,
        choices: tuple[str, ...],
        default: str,
    ) -> str:
        if key not in entries:
            return default
        return self.choice(entries[key], context, choices) or default

    def fetch_articles(self, entries: dict[str, _Entry], context: str) -> FetchArticles:
        if "fetch_articles" not in entries:
            return "auto"
        entry = entries["fetch_articles"]
        raw = (self.raw(entry) or "").lower()
        if raw in _TRUE or raw == "always":
            return "always"
        if raw in _FALSE or raw == "never":
            return "never"
        if raw == "auto":
            return "auto"
        got = _describe(entry.value)
        self.issue(entry.line, f'{context}"fetch_articles" must be true, false or auto (got {got})')
        return "auto"

    def size(self, entry: _Entry, context: str) -> int | None:
        raw = self.raw(entry)
        value = parse_size(raw) if raw is not None else None
        if value is None or value <= 0:
            got = _describe(entry.value)
            self.issue(
                entry.line,
                f'{context}"{entry.key}" must be a size like 5MB or 500KB, or a number of bytes '
                f"(got {got})",
            )
            return None
        return value

    def selectors(
        self, kind: str, node: Node, entries: dict[str, _Entry], context: str
    ) -> HtmlSelectors | None:
        if kind != "html":
            if "selectors" in entries:
                self.issue(
                    entries["selectors"].key_line, f'{context}"selectors" only applies to kind html'
                )
            return None
        if "selectors" not in entries:
            self.issue(
                _line(node),
                f'{context}missing "selectors" (an html source needs at least "item", the CSS '
                "selector of one listed article)",
            )
            return None
        entry = entries["selectors"]
        inner = self.mapping(entry.value, context, '"selectors"')
        if inner is None:
            return None
        inner_context = f"{context}selectors: "
        self.unknown_keys(inner, SELECTOR_KEYS, inner_context)
        if not self.require(inner, ("item",), entry.key_node, inner_context):
            return None
        values: dict[str, str | None] = {}
        for key in SELECTOR_KEYS:
            values[key] = self.text(inner[key], inner_context) if key in inner else None
        if values["item"] is None:
            return None
        return HtmlSelectors(
            item=values["item"],
            link=values["link"] or "a",
            title=values["title"],
            date=values["date"],
            summary=values["summary"],
        )

    def office(
        self, office_id: str, node: Node, entries: dict[str, _Entry], locality_ids: set[str]
    ) -> Office | None:
        context = f'office "{office_id}": '
        marker = self.mark()
        self.unknown_keys(entries, OFFICE_KEYS, context)
        self.require(entries, ("name", "emails", "topics"), node, context)
        name = self.text(entries["name"], context) if "name" in entries else None
        emails: tuple[str, ...] = ()
        if "emails" in entries:
            emails = self.text_list(entries["emails"], context, allow_empty=False)
            for address, line in self.item_lines(entries["emails"], emails):
                self.email(address, line, context)
        topics: tuple[str, ...] = ()
        if "topics" in entries:
            topics = self.topics(entries["topics"], context)
        localities: tuple[str, ...] = ()
        if "localities" in entries:
            localities = self.references(entries["localities"], context, locality_ids) or ()
        severity = self.optional_choice(entries, "min_severity", context, SEVERITIES, "urgent")
        digest_time = "07:30"
        if "digest_time" in entries:
            digest_time = self.clock(entries["digest_time"], context) or digest_time
        escalation = None
        if "escalation_email" in entries:
            escalation = self.text(entries["escalation_email"], context)
            if escalation is not None:
                self.email(escalation, entries["escalation_email"].line, context)
        escalate_after = 30 * 60.0
        if "escalate_after" in entries:
            escalate_after = (
                self.duration(entries["escalate_after"], context, minimum=60) or escalate_after
            )
        quiet_hours = None
        if "quiet_hours" in entries:
            quiet_hours = self.quiet_hours(entries["quiet_hours"], context)
        max_per_hour = 20
        if "max_per_hour" in entries:
            max_per_hour = self.integer(entries["max_per_hour"], context, minimum=1) or 20
        webhook = None
        if "webhook" in entries:
            raw = self.text(entries["webhook"], context)
            webhook = self.url(entries["webhook"], raw, context) if raw else None
        webhook_private = False
        if "webhook_allow_private" in entries:
            webhook_private = bool(self.boolean(entries["webhook_allow_private"], context))
        if not self.clean_since(marker) or name is None:
            return None
        return Office(
            id=office_id,
            name=name,
            emails=emails,
            topics=topics,
            localities=localities,
            min_severity=cast(Severity, severity),
            digest_time=digest_time,
            escalation_email=escalation,
            escalate_after_minutes=max(1, round(escalate_after / 60)),
            quiet_hours=quiet_hours,
            max_per_hour=max_per_hour,
            webhook=webhook,
            webhook_allow_private=webhook_private,
            line=_line(node),
        )

    def quiet_hours(self, entry: _Entry, context: str) -> tuple[str, str] | None:
        """``quiet_hours: "22:00-06:00"`` (local time; may run past midnight)."""
        raw = (self.raw(entry) or "").replace("–", "-")
        parts = [p.strip() for p in raw.split("-")]
        matches = [_HHMM.match(p) for p in parts] if len(parts) == 2 else []
        if len(matches) != 2 or not all(matches) or parts[0] == parts[1]:
            got = _describe(entry.value)
            self.issue(
                entry.line,
                f'{context}"quiet_hours" must be two times like "22:00-06:00" (got {got})',
            )
            return None
        start, end = (f"{int(m.group(1)):02d}:{m.group(2)}" for m in matches if m)
        return start, end

    def item_lines(self, entry: _Entry, values: tuple[str, ...]) -> Iterator[tuple[str, int]]:
        """Pair each list value with the line it is written on."""
        node = entry.value
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        by_value: dict[str, int] = {}
        for item in nodes:
            if isinstance(item, ScalarNode):
                by_value.setdefault(str(item.value).strip(), _line(item))
        for value in values:
            yield value, by_value.get(value, entry.line)

    def clock(self, entry: _Entry, context: str) -> str | None:
        raw = self.raw(entry)
        match = _HHMM.match(raw or "")
        if match is None:
            got = _describe(entry.value)
            self.issue(entry.line, f'{context}"{entry.key}" must be a time like 07:30 (got {got})')
            return None
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    def schedule(self, section: _Entry) -> Schedule | None:
        context = "schedule: "
        entries = self.mapping(section.value, "", 'section "schedule"')
        if entries is None:
            return None
        marker = self.mark()
        self.unknown_keys(entries, SCHEDULE_KEYS, context)
        defaults = Schedule()
        values: dict[str, float | int | str | None] = {}
        durations = (
            ("default_interval", MIN_INTERVAL_SECONDS),
            ("jitter", 0),
            ("politeness_delay", 0),
            ("request_deadline", 1),
        )
        for key, minimum in durations:
            if key in entries:
                values[key] = self.duration(entries[key], context, minimum=minimum)
        for key in ("retention_days", "max_concurrency", "per_host_concurrency"):
            if key in entries:
                values[key] = self.integer(entries[key], context, minimum=1)
        if "timezone" in entries:
            values["timezone"] = self.timezone(entries["timezone"], context)
        if not self.clean_since(marker):
            return None

        def pick(key: str, default: float | int | str) -> float | int | str:
            value = values.get(key)
            return default if value is None else value

        schedule = Schedule(
            default_interval_seconds=round(
                float(pick("default_interval", defaults.default_interval_seconds))
            ),
            jitter_seconds=round(float(pick("jitter", defaults.jitter_seconds))),
            timezone=str(pick("timezone", defaults.timezone)),
            retention_days=int(pick("retention_days", defaults.retention_days)),
            max_concurrency=int(pick("max_concurrency", defaults.max_concurrency)),
            per_host_concurrency=int(pick("per_host_concurrency", defaults.per_host_concurrency)),
            politeness_delay_seconds=float(
                pick("politeness_delay", defaults.politeness_delay_seconds)
            ),
            request_deadline_seconds=float(
                pick("request_deadline", defaults.request_deadline_seconds)
            ),
        )
        if schedule.per_host_concurrency > schedule.max_concurrency:
            line = (entries.get("per_host_concurrency") or entries["max_concurrency"]).line
            self.issue(
                line,
                f'{context}"per_host_concurrency" ({schedule.per_host_concurrency}) cannot be more '
                f'than "max_concurrency" ({schedule.max_concurrency})',
            )
            return None
        return schedule

    def timezone(self, entry: _Entry, context: str) -> str | None:
        value = self.text(entry, context)
        if value is None:
            return None
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            suggestion = _suggest(value, zoneinfo.available_timezones(), cutoff=0.8)
            hint = f'did you mean "{suggestion}"? ' if suggestion else ""
            self.issue(
                entry.line,
                f'{context}unknown timezone "{value}" ({hint}Vietnam is "Asia/Ho_Chi_Minh")',
            )
            return None
        return value
