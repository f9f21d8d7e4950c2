"""Build the WHERE clause shared by Archive.articles() and Archive.search().

    >>> sql, params = where_clause(source="ec", since="2024-01-01", until="2024-01-31")
    >>> sql
    'a.source = ? AND a.date_published >= ? AND a.date_published < ?'
    >>> params
    ['ec', '2024-01-01', '2024-02-01']

Only fixed SQL fragments are written here; every value is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import BadInput, EmptyDateRange

DateLike = str | dt.date


def where_clause(
    *,
    source: str | None = None,
    since: DateLike | None = None,
    until: DateLike | None = None,
    language: str | None = None,
    tag: str | None = None,
    link_domain: str | None = None,
) -> tuple[str, list[Any]]:
    """Return ``(sql, params)`` for the given filters on table alias ``a``; sql may be ''.

    >>> where_clause(tag="trade")
    ('EXISTS (SELECT 1 FROM json_each(a.tags) WHERE value = ?)', ['trade'])
    """
    check_range(since, until)
    clauses: list[str] = []
    params: list[Any] = []
    if source is not None:
        clauses.append("a.source = ?")
        params.append(source)
    # Dates are compared as ISO text against day boundaries rather than with
    # substr(date_published, 1, 10), which gives the same answer but cannot use
    # the date_published index. "2024-05-01T09:00+02:00" >= "2024-05-01" holds.
    if since is not None:
        clauses.append("a.date_published >= ?")
        params.append(parse_date(since, "since").isoformat())
    if until is not None:
        # until is inclusive: everything before the start of the following day.
        clauses.append("a.date_published < ?")
        params.append((parse_date(until, "until") + dt.timedelta(days=1)).isoformat())
    if language is not None:
        clauses.append("a.language = ?")
        params.append(language)
    if tag is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(a.tags) WHERE value = ?)")
        params.append(tag)
    if link_domain is not None:
        domain = parse_domain(link_domain)
        clauses.append(_LINK_DOMAIN)
        params += [domain, len(domain) + 1, "." + domain]
    return " AND ".join(clauses), params


# Some link of the body (articles.links, JSON) points at the domain or a subdomain
# of it. The host is cut out of each URL: after "://", before the first "/" and ":".
_LINK_DOMAIN = (
    "EXISTS (SELECT 1 FROM (SELECT substr(h, 1, instr(h || ':', ':') - 1) AS host"
    " FROM (SELECT substr(r, 1, instr(r || '/', '/') - 1) AS h"
    " FROM (SELECT substr(u, instr(u, '://') + 3) AS r"
    " FROM (SELECT lower(json_extract(value, '$.url')) AS u FROM json_each(a.links)))))"
    " WHERE host = ? OR substr(host, -?) = ?)"
)
_DOMAIN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")


def parse_domain(value: str) -> str:
    """A domain name as links are compared with it (lower case), or a one-line BadInput.

    >>> parse_domain("UN.org")
    'un.org'
    >>> parse_domain("un.org/x")
    Traceback (most recent call last):
    storage.errors.BadInput: invalid link domain 'un.org/x': expected a name like example.org
    """
    domain = value.strip().lower().rstrip(".")
    if not _DOMAIN.fullmatch(domain):
        raise BadInput(f"invalid link domain {value!r}: expected a name like example.org")
    return domain


def check_range(since: DateLike | None, until: DateLike | None) -> None:
    """Refuse a ``since`` later than ``until`` (EmptyDateRange, a BadInput): no date is in
    that range, and "no matches" would read as an archive without such releases rather
    than as a typo in a year. The one place the rule lives: where_clause applies it, and
    the CLI calls it as soon as both options are parsed.

    >>> check_range("2024-01-01", "2024-01-01")
    >>> check_range("2025-01-01", "2022-01-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    storage.errors.EmptyDateRange: --since 2025-01-01 is after --until 2022-01-01: ...
    """
    if since is None or until is None:
        return
    first, last = parse_date(since, "since"), parse_date(until, "until")
    if first > last:
        raise EmptyDateRange(
            f"--since {first.isoformat()} is after --until {last.isoformat()}: "
            "no date is in that range"
        )


def parse_date(value: DateLike, name: str) -> dt.date:
    """Return ``value`` as a date, or raise a one-line BadInput.

    >>> parse_date("2024-02-29", "since")
    datetime.date(2024, 2, 29)
    >>> parse_date("2024-13-45", "since")
    Traceback (most recent call last):
    storage.errors.BadInput: invalid since date '2024-13-45': expected YYYY-MM-DD
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            # Strict YYYY-MM-DD: fromisoformat alone also takes "20240101" and
            # week dates, which no one types on purpose.
            if len(value.strip()) == 10:
                return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadInput(f"invalid {name} date {value!r}: expected YYYY-MM-DD")
