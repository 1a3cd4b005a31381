"""URL canonicalisation for de-duplication, and unwrapping of Google's redirect wrappers.

The same article reaches us under many addresses: with ``utm_*`` or Zalo/Facebook tracking
parameters, over http and https, with or without a trailing slash, percent-encoded differently, or
wrapped by Google News. ``canonical_url`` maps them all to one key. The key is meant for comparing
and storing, not necessarily for fetching: it always says ``https``, even for a site that only
speaks http.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from collections.abc import Iterator
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import idna

# Parameters that identify a campaign, a click or a referrer, never the resource. Keys are compared
# lower-cased. Anything not listed is kept: a wrongly dropped parameter merges different articles.
TRACKING_PARAMS = frozenset(
    {
        # ad and social click ids
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "igsh", "epik",
        # mail and marketing tools
        "mc_cid", "mc_eid", "mkt_tok", "_hsenc", "_hsmi", "vero_id", "vero_conv", "ml_subscriber",
        "ml_subscriber_hash", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "wt.mc_id",
        # analytics
        "_ga", "_gl", "_gid", "spm", "scm", "ocid", "icid", "cmpid", "ito", "at_medium",
        "at_campaign", "at_platform", "at_link", "at_format",
        # referrers and feed markers
        "ref", "refer", "referer", "referrer", "ref_src", "ref_url", "rss", "from_rss",
        "__twitter_impression", "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
        "ns_source", "ns_mchannel", "ns_campaign", "ns_linkname", "ns_fee", "sr_share",
        # Vietnamese press and Zalo
        "zarsrc", "gidzl", "vn_source", "vn_medium", "vn_campaign", "vn_term", "vn_content",
        "vn_thumb",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "matomo_", "hsa_")

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_HEX = frozenset(string.hexdigits)
_PATH_SAFE = "/:@!$&'()*+,;="
_QUERY_KEY_SAFE = "/?:@!$'()*+,;"
_QUERY_VALUE_SAFE = _QUERY_KEY_SAFE + "="
_DEFAULT_PORTS = {80, 443}
_GOOGLE_HOST = re.compile(r"^(?:www\.)?google\.(?:com|[a-z]{2}|com?\.[a-z]{2})$")
_GOOGLE_NEWS_ARTICLE = re.compile(r"/(?:articles|read)/([A-Za-z0-9_-]+)")
_MAX_UNWRAP = 3


def canonical_url(url: str) -> str:
    """Return the de-duplication key of ``url``.

    Lower-case scheme and host (IDNA to ASCII), https instead of http, no default port, no
    fragment, no tracking parameters, remaining parameters sorted, percent-encoding normalised, no
    trailing slash (the root stays ``/``), ``www.`` kept; Google News and Google redirect
    wrappers replaced by the publisher's URL when it can be recovered without the network.
    Anything that is not an http(s) address is returned stripped but otherwise unchanged.
    """
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    for _ in range(_MAX_UNWRAP):
        inner = publisher_url_from_google_news(text)
        if inner is None:
            break
        text = inner.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return text
    netloc = _canonical_netloc(parts.netloc, parts.hostname)
    if netloc == "news.google.com":
        article = _GOOGLE_NEWS_ARTICLE.search(parts.path)
        if article:
            # Undecodable (new-style) article ids: the id is the article, the query is the edition.
            return f"https://news.google.com/rss/articles/{article.group(1)}"
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return urlunsplit(("https", netloc, path, query, ""))


def publisher_url_from_google_news(url: str) -> str | None:
    """Return the publisher's URL wrapped in a Google News or Google redirect URL, if recoverable.

    Handles ``news.google.com/rss/articles/<id>`` (and ``/articles/``, ``/read/``) when ``<id>``
    is the older base64 protobuf form that embeds the URL (ids starting ``CBMi``/``CAIi``), and
    the ``news.google.com/url?url=...`` and ``google.*/url?q=...`` redirects. Newer opaque ids
    (``CBMi...`` decoding to ``AU_yqL...``) need a request to Google and give ``None``.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme.lower() not in ("http", "https", ""):
        return None
    is_google = host == "news.google.com" or _GOOGLE_HOST.match(host) is not None
    if is_google and parts.path.rstrip("/") == "/url":
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        for key in ("url", "q", "u"):
            target = params.get(key, "").strip()
            if _is_web_url(target):
                return target
        return None
    if host != "news.google.com":
        return None
    article = _GOOGLE_NEWS_ARTICLE.search(parts.path)
    if article is None:
        return None
    return decode_google_news_id(article.group(1))


def decode_google_news_id(article_id: str) -> str | None:
    """Return the URL embedded in an old-style Google News article id, or ``None``.

    The id is URL-safe base64 of a small protobuf message whose field 4 is the publisher's URL
    (``CBMi`` = bytes 08 13 22: field 1 = 19, then field 4, length-delimited).
    """
    raw: bytes | None = None
    for trim in (0, 1):  # tolerate one stray character at the end of a truncated id
        text = article_id[: len(article_id) - trim]
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            break
        except (binascii.Error, ValueError):
            continue
    if raw is None:
        return None
    for number, value in _protobuf_fields(raw):
        if number == 4 and isinstance(value, bytes):
            try:
                candidate = value.decode("utf-8")
            except UnicodeDecodeError:
                return None
            return candidate if _is_web_url(candidate) else None
    return None


def _protobuf_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Yield (field number, value) of a protobuf message, stopping quietly at malformed data."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        if key is None:
            return
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            if value is None:
                return
            yield number, value
        elif wire == 2:
            length, pos = _varint(data, pos)
            if length is None or pos + length > len(data):
                return
            yield number, data[pos : pos + length]
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            return


def _varint(data: bytes, pos: int) -> tuple[int | None, int]:
    result = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    return None, pos


def _is_web_url(text: str) -> bool:
    if not text.lower().startswith(("http://", "https://")):
        return False
    if any(ch.isspace() or ord(ch) < 0x20 for ch in text):
        return False
    return bool(urlsplit(text).hostname)


def _canonical_netloc(netloc: str, hostname: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    host = _canonical_host(hostname)
    try:
        port = urlsplit(f"//{hostport}").port
    except ValueError:
        port = None  # a malformed port is dropped rather than kept: the key must stay parseable
    result = host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"
    return f"{userinfo}@{result}" if userinfo else result


def _canonical_host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    if ":" in host:
        return f"[{host}]"  # IPv6 literal; urlsplit removed the brackets
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            return host


def _requote(text: str, safe: str) -> str:
    """Normalise percent-encoding: decode unreserved characters, upper-case hex, encode the rest."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            byte = int(text[i + 1 : i + 3], 16)
            out.append(chr(byte) if chr(byte) in _UNRESERVED else f"%{byte:02X}")
            i += 3
            continue
        if ch in _UNRESERVED or ch in safe:
            out.append(ch)
        else:
            out.append(quote(ch, safe=""))
        i += 1
    return "".join(out)


def _canonical_path(path: str) -> str:
    segments: list[str] = []
    for segment in _requote(path, _PATH_SAFE).split("/")[1:]:
        if segment == ".":
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments).rstrip("/")


def _canonical_query(query: str) -> str:
    kept: list[str] = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        key = _requote(key, _QUERY_KEY_SAFE)
        if _is_tracking(key):
            continue
        kept.append(key + sep + _requote(value, _QUERY_VALUE_SAFE))
    return "&".join(sorted(kept))


def _is_tracking(key: str) -> bool:
    name = _unquote_key(key).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _unquote_key(key: str) -> str:
    pairs = parse_qsl(f"{key}=", keep_blank_values=True)
    return pairs[0][0] if pairs else key
