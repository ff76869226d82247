"""Canonical article URLs: the key that makes one article one article, however feeds
decorate its link (upper-case hosts, fragments, utm_*/fbclid/gclid tracking parameters).

courlan does the normalisation (host case, default ports, sorted query, trackers); we also
drop the fragment, which courlan keeps."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

from monitor.errors import InputError

SCHEMES = ("http", "https")
# Trackers courlan keeps: Webtrekk, AT Internet, comScore, and a few publishers' own.
EXTRA_TRACKERS = re.compile(r"^(?:wt_|wt\.|at_|ns_)|^(?:ito|ncid|ocid|cmpid|smid|mbid)$", re.I)


def canonicalize(url: str) -> str:
    """The canonical form of an http(s) URL. Raises InputError for anything else."""
    url = url.strip()
    check_http_url(url)
    try:
        normal = normalize_url(url, strict=False, trailing_slash=True)
    except ValueError as exc:
        raise InputError(f"{url}: not a valid URL ({exc})") from exc
    parts = urlsplit(normal)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not EXTRA_TRACKERS.search(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def check_http_url(url: str) -> str:
    """Return the URL's host if it is an absolute http(s) URL; raise InputError otherwise."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise InputError(f"{url}: not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise InputError(f"{url}: only http and https URLs are supported")
    if not host:
        raise InputError(f"{url}: the URL has no host")
    return host


def host_of(url: str) -> str:
    """Lower-case host name (or IP literal, without brackets) of a URL; '' when absent."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
