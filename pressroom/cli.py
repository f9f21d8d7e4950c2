"""The `pressroom` command: parse, call one library function, print.

Example::

    pressroom demo
    pressroom crawl hrw --db hrw.db --max-pages 100
    pressroom search '"forced labor" AND cotton' --db hrw.db
"""

from __future__ import annotations

import contextlib
import csv
import errno
import functools
import gzip
import io
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from crawler import __version__, sources, stopping
from crawler.errors import CrawlError
from crawler.lock import CrawlLocked
from pressroom.columns import aligned
from storage import Archive, ArchiveError, BadInput, NotAnArchive, export
from storage.dataset import parse_size, write_dataset
from storage.errors import ArchiveCorrupt
from storage.export import FORMATS
from storage.filters import check_range
from storage.minhash import DEFAULT_THRESHOLD, SHINGLE, NearDuplicates
from storage.search import HIT_COLUMNS


def _enterable(ctx: click.Context, param: click.Parameter, db: str) -> str:
    """``db``, if the user may look it up: in a folder it may not enter (mode 0600),
    every later look (does it exist? is it a WAL archive?) fails with "permission denied"."""
    try:
        Path(db).exists()
    except PermissionError:
        _fail(f"cannot read archive {db!r}: its folder may not be entered", 1)
    return db


DB_OPTION = click.option(
    "--db",
    default="pressroom.db",
    show_default=True,
    # Not click's readability check (exit 2, "Invalid value"): an archive the user may
    # not read is a failure like one it may not write (storage says so, exit 1).
    type=click.Path(dir_okay=False, readable=False),
    callback=_enterable,
    help="Archive file (SQLite).",
)
# The most extraction processes --workers starts (one per core on machines up to this).
MAX_WORKERS = 256
WORKERS_OPTION = click.option(
    "--workers",
    # More processes than this is a typo (2000 for 20), not a machine: refused, not started.
    type=click.IntRange(min=0, max=MAX_WORKERS),
    default=None,
    help="Extraction processes [default: 2; 0: none, pages are extracted in this process].",
)


# The optional extras (pyproject.toml): the modules each installs, with their package names.
EXTRAS = {
    "parquet": {"pyarrow": "pyarrow"},
    "plot": {"matplotlib": "matplotlib"},
    "serve": {"datasette": "Datasette"},
    "cluster": {"scrapy_redis": "scrapy-redis", "redis": "redis"},
}


def _require(extra: str, what: str) -> None:
    """Refuse ``what`` (bad input, exit 2) unless the extra's modules import.

    Checked before a command prints or opens anything, so a missing extra is
    one line naming the pip command, never a half-done run.
    """
    import importlib

    for module, package in EXTRAS[extra].items():
        try:
            importlib.import_module(module)
        except ImportError:
            raise BadInput(f"{what} needs {package}: pip install 'pressroom[{extra}]'") from None


# Writing failed for want of room: a full disk, a quota, a file too big for its system.
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line and an exit code: 2 for bad input, 1 otherwise.

    A file that is not an archive at all (not SQLite, or SQLite without
    pressroom's tables) is bad input, 2; a damaged archive is a failure, 1.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ArchiveCorrupt as exc:
            _fail(str(exc), 1)
        except (sources.SourceError, BadInput, NotAnArchive) as exc:
            _fail(str(exc), 2)
        except CrawlLocked as exc:
            _fail(str(exc), 75)  # EX_TEMPFAIL: try again later
        except (ArchiveError, CrawlError) as exc:
            _fail(str(exc), 1)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (crawler.stopping)
            _fail(stopping.said(exc), stopping.status_of(exc))
        except BrokenPipeError:
            # `pressroom export | head`: the reader left, having read what it wanted.
            # Not a failure (exit 0, no message); stdout goes to /dev/null so that
            # flushing it at exit does not raise again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
                # Files and stdout (`> /dev/full`); the archive's own says ArchiveFull.
                _fail(f"cannot write the output: {exc.strerror}", 1)
            if os.environ.get("PRESSROOM_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (set PRESSROOM_DEBUG=1 for details)", 1)

    return wrapper


def _count(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless n is 1: "1 run", "3 runs".

    >>> _count(1, "page"), _count(0, "near duplicate")
    ('1 page', '0 near duplicates')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message.splitlines()[0] if message else 'failed'}", err=True)
    sys.exit(code)


def _json_options(formats: list[str], default: str, describe: str) -> Callable[..., Any]:
    """--format CHOICE, with --json (one JSON array) and --nl (JSON Lines), as sqlite-utils has."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(
            [
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(formats),
                    default=None,
                    help=f"{describe} [default: {default}]",
                ),
                click.option("--json", "as_json", is_flag=True, help="Same as --format json."),
                click.option("--nl", is_flag=True, help="Same as --format jsonl."),
            ]
        ):
            func = option(func)

        @functools.wraps(func)
        def wrapper(*args: Any, fmt: str | None, as_json: bool, nl: bool, **kwargs: Any) -> Any:
            chosen = {f for f, on in ((fmt, fmt), ("json", as_json), ("jsonl", nl)) if on}
            if len(chosen) > 1:
                # A usage error (exit 2): this runs outside friendly_errors.
                both = " and ".join(sorted(chosen))
                raise click.UsageError(f"give one output format, not {both}")
            return func(*args, fmt=chosen.pop() if chosen else default, **kwargs)

        return wrapper

    return decorate


def _echo_json(rows: Iterable[Any], fmt: str) -> None:
    """Print rows as one JSON array (json), one object per line in it; or as JSON Lines (jsonl).

    Rows are written as they come, so a long extraction shows its first page at once.
    """
    dumps = functools.partial(json.dumps, ensure_ascii=False, sort_keys=True)
    if fmt == "jsonl":
        for row in rows:
            click.echo(dumps(row))
        return
    # sqlite-utils' layout: '[{...},' then ' {...},' then ' {...}]', a row per line.
    # Each row is printed when the next arrives, to know whether a comma follows.
    previous, prefix = None, "["
    for row in rows:
        if previous is not None:
            click.echo(prefix + previous + ",")
            prefix = " "
        previous = dumps(row)
    click.echo("[]" if previous is None else prefix + previous + "]")


class _Program(click.Group):
    """click's Group, except that Ctrl-C or SIGTERM while it parses is one line and 130 or 143.

    click turns a KeyboardInterrupt into "Aborted!" and exit 1; the commands
    themselves are covered by friendly_errors.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _stops_cleanly():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _stops_cleanly():
            return super().invoke(ctx)


class _UsageError(click.UsageError):
    """A usage mistake as one line, the way to help included: click prints three lines
    (usage, a hint, then the error) where every other error of pressroom is one line.

    >>> _UsageError("Missing argument 'PATHS...'.").show()  # doctest: +SKIP
    Error: Missing argument 'PATHS...'. (see 'pressroom extract --help')
    """

    def show(self, file: Any = None) -> None:
        hint = f" (see '{self.ctx.command_path} --help')" if self.ctx is not None else ""
        click.echo(f"Error: {self.format_message()}{hint}", err=True, file=file)


@contextlib.contextmanager
def _stops_cleanly() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt as exc:
        _fail(stopping.said(exc), stopping.status_of(exc))
    except click.UsageError as exc:  # the group's mistakes and its commands' (parsed here)
        if isinstance(exc, _UsageError):
            raise
        raise _UsageError(exc.format_message(), exc.ctx) from None


@click.group(cls=_Program, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pressroom")
def main() -> None:
    """Archive news releases as clean, searchable text in one SQLite file.

    \b
    Example:
        pressroom demo
        pressroom crawl hrw --db hrw.db
        pressroom search "detention" --db hrw.db
    """


@main.command()
@click.argument("source", required=False)
@click.option(
    "--source", "source_file", type=click.Path(dir_okay=False), help="A source .toml file."
)
@click.option("--sitemap", help="Ad hoc: crawl the releases in this sitemap (or sitemap index).")
@click.option("--feed", help="Ad hoc: crawl the releases in this RSS/Atom feed.")
@click.option("--start-url", help="Ad hoc: walk links from this page.")
@click.option("--allow", multiple=True, help="Regex: URLs that are releases (repeatable).")
@click.option("--deny", multiple=True, help="Regex: URLs never fetched (repeatable).")
@DB_OPTION
@click.option(
    "--max-pages", type=click.IntRange(min=0), default=0, help="Stop after N pages (0: no limit)."
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=None,
    help="Link-walking depth from --start-url (or a source's follow_links) [default: 5].",
)
@WORKERS_OPTION
@click.option("--contact", help="Contact URL or e-mail put in the User-Agent.")
@click.option(
    "--full", is_flag=True, help="Refetch everything: no lastmod, 304 or listing shortcuts."
)
@click.option(
    "--recheck-older-than",
    metavar="AGE",
    help="Also re-validate archived releases last fetched longer ago than AGE (30d, 12h, 2w).",
)
@click.option(
    "--recheck-batch",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="At most this many releases re-validated per run.",
)
@click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=10 (repeatable).",
)
@click.option(
    "--redis",
    metavar="URL",
    help="Coordinate `pressroom worker`s through this Redis (redis://:PASSWORD@HOST:PORT/DB).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@friendly_errors
def crawl(
    source: str | None,
    source_file: str | None,
    sitemap: str | None,
    feed: str | None,
    start_url: str | None,
    allow: tuple[str, ...],
    deny: tuple[str, ...],
    db: str,
    max_pages: int,
    depth: int | None,
    workers: int | None,
    contact: str | None,
    full: bool,
    recheck_older_than: str | None,
    recheck_batch: int,
    overrides: tuple[str, ...],
    redis: str | None,
    verbose: bool,
) -> None:
    """Crawl a source into the archive; rerun to update it.

    SOURCE is a bundled source, a .toml file, or a source already in --db
    (rerun with the source file or the ad hoc flags its last crawl was given).

    A rerun fetches only what is new or changed (sitemap lastmod, 304 Not
    Modified, listings stop at known releases); a changed release keeps its old
    version in the revisions table. Exit codes: 0 ok, 1 the run failed, 2 bad
    input, 75 another crawl (or a reextract) of the source into this archive is running, 130
    stopped by Ctrl-C, 143 by SIGTERM (recorded as interrupted; a rerun goes on).

    \b
    Examples:
        pressroom crawl hrw --db hrw.db
        pressroom crawl hrw --recheck-older-than 30d
        pressroom crawl --source mysite.toml
        pressroom crawl mysite --db my.db      # a source crawled into my.db before
        pressroom crawl --sitemap https://example.org/sitemap.xml --allow '/press/'
    """
    from crawler.run import crawl as run_crawl
    from crawler.run import summary_line

    if redis:
        _require("cluster", "crawl --redis")
    if source and source_file:
        # Else the file won and SOURCE was dropped without a word.
        raise sources.SourceError(
            f"give a source name ({source}) or --source FILE ({source_file}), not both"
        )
    chosen = source_file or source
    if chosen and (sitemap or feed or start_url):
        raise sources.SourceError("give a source or --sitemap/--feed/--start-url, not both")
    if chosen:
        src = _crawl_source(chosen, db)
        if allow or deny:
            raise sources.SourceError("--allow/--deny apply to ad hoc crawls; edit the source file")
    else:
        src = sources.adhoc(sitemap=sitemap, feed=feed, start_url=start_url, allow=allow, deny=deny)
    if depth is not None and not src.follow_links:
        # It would be ignored: only a crawl that walks links has a depth.
        raise BadInput(
            "--depth applies to link walking: --start-url, or a source with follow_links"
        )
    if redis:  # the coordinator: workers fetch, this process writes (crawler/cluster)
        from crawler.cluster import coordinator, link

        run_crawl = functools.partial(_cluster_call, coordinator.crawl, link.LinkError, redis=redis)
    run = run_crawl(
        src,
        db,
        max_pages=max_pages,
        max_hops=depth,
        workers=workers,
        contact=contact,
        full=full,
        recheck_before=_cutoff(recheck_older_than) if recheck_older_than else None,
        recheck_batch=recheck_batch,
        log_level="INFO" if verbose else "WARNING",
        overrides=_settings(overrides),
    )
    click.echo(summary_line(run))
    for warning in run.get("warnings") or []:
        click.echo(f"Warning: {warning}", err=True)
    _exit_for(run)


def _crawl_source(name: str, db: str) -> sources.Source:
    """The source ``crawl NAME`` means: a .toml file, a source of --db as its last crawl
    was asked for (its source file, or its ad hoc flags), else a bundled source (also
    when the last crawl of that name was given the bundled file)."""
    if name.endswith(".toml") or "/" in name or not Path(db).exists():
        return sources.load(name)
    from pressroom.reextract import last_crawl_options, own_file, recorded_source

    with Archive(db, readonly=True) as archive:
        options = last_crawl_options(archive, name)
    if name in sources.bundled() and not own_file((options or {}).get("source_file"), name):
        return sources.load(name)
    if options is None:
        known = ", ".join(sources.bundled()) or "none"
        raise sources.SourceError(
            f"unknown source {name!r} (bundled: {known}; not crawled into {db}; "
            "or give a .toml path)"
        )
    if options.get("source_file"):
        return recorded_source(options["source_file"], name)
    if options.get("adhoc"):
        return sources.adhoc(**options["adhoc"], name=name)
    # Archives of an older pressroom recorded an ad hoc crawl's URLs, not its flags.
    urls = " ".join(options.get("entry_points") or [])
    raise sources.SourceError(
        f"source {name!r} of {db} was an ad hoc crawl of {urls} (recorded before its flags "
        "were): rerun it with the --sitemap, --feed or --start-url it was given"
    )


def _cluster_call(
    func: Callable[..., Any], link_error: type, *args: Any, redis: str, **kw: Any
) -> Any:
    """``func(*args, redis, **kw)``; a refused or unreachable Redis link: one line, exit 2 or 1."""
    try:
        return func(*args, redis, **kw)
    except link_error as exc:
        _fail(str(exc), exc.exit_code)


@main.command()
@click.option("--redis", metavar="URL", required=True, help="The coordinator's Redis.")
@WORKERS_OPTION
@click.option("--exit-when-idle", is_flag=True, help="Exit when no crawl is running.")
@click.option(
    "--idle-seconds",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="With --exit-when-idle: how long to wait for a crawl first.",
)
@click.option(
    "--allow-private-addresses",
    is_flag=True,
    help="Fetch private, loopback and link-local addresses too (a site on this machine).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@friendly_errors
def worker(
    redis: str,
    workers: int | None,
    exit_when_idle: bool,
    idle_seconds: float,
    allow_private_addresses: bool,
    verbose: bool,
) -> None:
    """Fetch and extract pages for `pressroom crawl --redis` runs, from any machine.

    Exit codes: 0 ok, 1 Redis unreachable, 2 a Redis link refused (a remote
    host without a password) or the cluster extra not installed, 130 stopped
    by Ctrl-C, 143 by SIGTERM (its pages go back to the queue at once).

    \b
    Examples:
        pressroom worker --redis redis://:PASSWORD@10.0.0.5:6379/0 --workers 4
        PRESSROOM_REDIS_PASSWORD=... pressroom worker --redis redis://10.0.0.5:6379/0
    """
    _require("cluster", "pressroom worker")
    from crawler.cluster import link
    from crawler.cluster.worker import run_worker

    options = {"extract_workers": workers, "exit_when_idle": exit_when_idle}
    options |= {"allow_private": allow_private_addresses, "idle_seconds": idle_seconds}
    code = _cluster_call(run_worker, link.LinkError, redis=redis, verbose=verbose, **options)
    sys.exit(code)


def _exit_for(run: dict[str, Any]) -> None:
    """Exit 130 for a run stopped by Ctrl-C, 143 by SIGTERM, 1 for a failed one; return if ok.

    An interrupted run says so in its summary line ("run 4 hrw: interrupted"),
    which is all that is printed: what it archived is kept, and a rerun goes on.
    """
    if run["status"] == "interrupted":
        sys.exit(stopping.exit_status(run.get("stop_signal")))
    if run["status"] != "ok":
        click.echo(f"Error: {run.get('message') or run['status']}", err=True)
        sys.exit(1)


def _cutoff(age: str) -> str:
    """ISO time ``age`` ago: "30d" -> 30 days before now (UTC)."""
    match = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", age)
    if not match:
        raise BadInput(f"--recheck-older-than expects an age like 12h, 30d or 2w, got {age!r}")
    hours = int(match.group(1)) * {"h": 1, "d": 24, "w": 168}[match.group(2)]
    when = datetime.now(UTC) - timedelta(hours=hours)
    return when.replace(microsecond=0).isoformat()


def _settings(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip().isidentifier() or name.strip() != name.strip().upper():
            raise BadInput(f"-s expects NAME=VALUE with an upper-case name, got {pair!r}")
        out[name.strip()] = value
    return out


@main.command("sources")
@DB_OPTION
@friendly_errors
def list_sources(db: str) -> None:
    """List bundled sources, and the sources already crawled into --db.

    `pressroom crawl NAME --db FILE` crawls either kind again: a source of the
    archive with the source file or ad hoc flags its last crawl was given.

    \b
    Example:
        pressroom sources --db hrw.db
    """
    counts: dict[str, int] = {}
    if Path(db).exists():  # read first: an archive refused is refused before any line
        with Archive(db, readonly=True) as archive:
            counts = archive.stats()["sources"]
    for name, path in sources.bundled().items():
        src = sources.load(path)
        click.echo(f"{name}\tbundled\t{src.title or ', '.join(src.allowed_domains)}")
    for name, count in sorted(counts.items()):
        click.echo(f"{name}\tin {db}\t{count} articles")


def _language_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A language code as the archive stores it (extraction.language.declared: lower case,
    two letters, or three where ISO 639-1 has none, no region); "english" matched nothing,
    silently, and so did "en-GB", which the archive keeps as "en"."""
    if value is None:
        return None
    from extraction.language import declared

    code = value.strip().lower()
    stored = declared(code)
    if stored is not None and stored != code:
        raise click.BadParameter(
            f"the archive stores languages without a region: give {stored!r}, not {value!r}"
        )
    if stored is None:
        raise click.BadParameter(
            "expected a language code as the archive stores it, two letters (ISO 639-1: "
            f"en, fr) or three where there are not two (haw), got {value!r}"
        )
    return code


def _known_language(archive: Archive, language: str | None, db: str) -> None:
    """Refuse a three-letter code the archive holds no article in: most are a language's
    other code (fra, eng, deu), which matched nothing where the archive stores fr."""
    if language is None or len(language) != 3:
        return
    stored = archive.languages()
    if language in stored:
        return
    has = ", ".join(stored) or "none yet"
    raise BadInput(
        f"no article in language {language!r} in {db} (its languages: {has}); "
        "give the two-letter code where ISO 639-1 has one (fr, not fra)"
    )


def _known_source(archive: Archive, source: str | None, db: str) -> None:
    """Refuse a source name the archive has never seen (a typo), naming those it has;
    a source it has, with no rows matching the other filters, is an empty result."""
    if source is None:
        return
    names = archive.source_names()
    if source not in names:
        has = f"its sources: {', '.join(names)}" if names else "it has none yet"
        raise BadInput(f"no source {source!r} in {db} ({has})")


def _date_range(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--since and --until: once both are parsed (in either order), storage's range check,
    so that an impossible range is refused before an archive or an output file is opened."""
    other = ctx.params.get("until" if param.name == "since" else "since")
    if value is not None and other is not None:
        since, until = (value, other) if param.name == "since" else (other, value)
        try:
            check_range(since, until)
        except BadInput as exc:  # EmptyDateRange, or a date that is not one
            _fail(str(exc), 2)
    return value


def _filters(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--source", help="Only this source."),
            click.option(
                "--since", callback=_date_range, help="Published on or after (YYYY-MM-DD)."
            ),
            click.option(
                "--until", callback=_date_range, help="Published on or before (YYYY-MM-DD)."
            ),
            click.option(
                "--lang",
                "language",
                callback=_language_code,
                help=(
                    "Only this language, as stored: en, fr (ISO 639-1); haw for one "
                    "without a two-letter code; no region."
                ),
            ),
            click.option("--tag", help="Only articles with this tag."),
            click.option(
                "--link-domain",
                help="Only articles whose body links to this domain (or a subdomain).",
            ),
        ]
    ):
        func = option(func)
    return func


@main.command()
@click.argument("query")
@_filters
@click.option("--title-only", is_flag=True, help="Match the query in titles only.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Show at most N matches.",
)
@_json_options(
    ["table", "json", "jsonl", "csv"],
    "table",
    "table: for reading; json: one JSON array; jsonl: one object per line; csv: with a header.",
)
@DB_OPTION
@friendly_errors
def search(query: str, title_only: bool, limit: int, fmt: str, db: str, **filters: Any) -> None:
    """Full-text search, best matches first (bm25, title weighted), with a snippet.

    Phrases in double quotes, AND/OR/NOT, prefix* and title:word work. A query
    in Chinese, Japanese, Korean or Thai matches substrings of the title and
    text (their words are not spaced apart; README: Reading the archive).

    \b
    Examples:
        pressroom search 'detention' --db hrw.db
        pressroom search '"forced labor" NOT cotton' --since 2024-01-01 --json
        pressroom search 'sanction*' --title-only --tag Russia --format csv > hits.csv
        pressroom search 'detention' --limit 1000 --nl > hits.jsonl
        pressroom search 'refugees' --link-domain unhcr.org
    """
    with _open_readonly(db) as archive:
        _known_source(archive, filters.get("source"), db)
        _known_language(archive, filters.get("language"), db)
        notes: list[str] = []
        results = archive.search(query, limit=limit, title_only=title_only, notes=notes, **filters)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if fmt in ("json", "jsonl"):
        _echo_json(results, fmt)
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(HIT_COLUMNS)
        writer.writerows([row.get(column) for column in HIT_COLUMNS] for row in results)
    else:
        for row in results:
            date = (row.get("date_published") or "")[:10]
            snippet = " ".join((row.get("snippet") or "").split())
            heading = f"{date}  {row.get('title') or ''}".rstrip()  # an untitled page: no "None"
            click.echo(f"{heading}\n    {row['url']}\n    {snippet}\n")
        if not results:
            click.echo("no matches", err=True)


# Names whose ending says the export's format: `-o hrw.csv` without --format writes CSV.
_FORMAT_OF_NAME = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".warc.gz": "warc",
    ".warc": "warc",
}


# Compressed names pressroom does not write: JSON Lines went into hrw.jsonl.zst as it is.
# Also archives of files: a .tgz is a gzipped tar, not one gzipped file.
_OTHER_COMPRESSION = (".zst", ".zstd", ".bz2", ".xz", ".lz4", ".zip", ".7z", ".tgz", ".tar")


def _gzipped(output: str | None) -> bool:
    """Whether the export named ``output`` is written gzipped: a name ending in .gz, as
    hrw.csv.gz (a .warc.gz is gzipped record by record by the WARC writer).

    >>> _gzipped("hrw.csv.gz"), _gzipped("hrw.warc.gz"), _gzipped(None)
    (True, False, False)
    """
    name = (output or "").lower()
    return name.endswith(".gz") and not name.endswith(".warc.gz")


def _export_format(fmt: str | None, output: str | None) -> str:
    """--format, else the format -o's name ends with (before a .gz), else jsonl.

    A --format the name contradicts is refused: JSON Lines in hrw.csv would
    mislead whoever opens the file later, and so would plain text in hrw.csv.gz.
    """
    name = (output or "").lower()
    if name.endswith(_OTHER_COMPRESSION):
        raise BadInput(f"cannot write {output}: pressroom compresses with gzip only (.gz)")
    if _gzipped(output):
        name = name[: -len(".gz")]
    named = next((f for end, f in _FORMAT_OF_NAME.items() if name.endswith(end)), None)
    if _gzipped(output) and "parquet" in (fmt, named):
        raise BadInput(f"cannot write {output}: Parquet is compressed already (zstd); drop the .gz")
    if fmt and named and fmt != named:
        raise BadInput(
            f"--format {fmt} does not match the name {output} ({named}): "
            "rename the file or drop --format"
        )
    return fmt or named or "jsonl"


@main.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "warc"]),
    default=None,
    help="Default: the one -o's name ends with (.jsonl, .ndjson, .csv, .parquet, .warc[.gz]), "
    "else jsonl; NAME.csv.gz, NAME.jsonl.gz: gzipped; a --format the name contradicts is "
    "refused. parquet needs pyarrow: pip install 'pressroom[parquet]'; warc writes the "
    "responses the archived releases were read from (the captures table: no sitemaps, "
    "listings or pages judged not releases) as a gzipped WARC file.",
)
@click.option(
    "--all-revisions",
    is_flag=True,
    help="jsonl/csv: every version of every release, not just the current one.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File to write (default, and -: stdout).",
)
@click.option(
    "--dataset",
    type=click.Path(file_okay=False),
    help="Write a dataset folder instead: Parquet files, README.md card, SHA256SUMS.",
)
@click.option(
    "--max-file-size",
    help="With --dataset: start a new Parquet file past about this size (default: 200MB).",
)
@click.option("--query", help="Only articles matching this full-text search.")
@click.option("--title-only", is_flag=True, help="With --query: match titles only.")
@click.option(
    "--dedupe",
    type=click.Choice(["near"]),
    help=f"near: drop near duplicates (MinHash estimate of Jaccard similarity >= "
    f"{DEFAULT_THRESHOLD} on {SHINGLE}-word shingles), keeping the earliest published.",
)
@click.option("--force", is_flag=True, help="Overwrite --output or --dataset if it exists.")
@_filters
@DB_OPTION
@friendly_errors
def export_cmd(
    fmt: str | None,
    output: str | None,
    dataset: str | None,
    max_file_size: str | None,
    dedupe: str | None,
    all_revisions: bool,
    force: bool,
    db: str,
    **filters: Any,
) -> None:
    """Export articles as JSONL, CSV or Parquet, or as a dataset folder; captures as WARC.

    Rows come in publication order; the same archive and options give
    byte-identical files. Without --format, the name given to -o says the
    format (hrw.csv is CSV); other names, and stdout, get JSON Lines.

    \b
    Examples:
        pressroom export --db hrw.db -o hrw.jsonl
        pressroom export --db hrw.db -o hrw.csv
        pressroom export --format csv --source hrw --since 2025-01-01 > 2025.csv
        pressroom export --format parquet --query '"forced labor"' -o labor.parquet
        pressroom export --dataset hrw-dataset --dedupe near --lang en
        pressroom export --all-revisions --source hrw -o hrw-history.jsonl
        pressroom export --format warc --source hrw -o hrw.warc.gz
    """
    if dataset and output:
        raise BadInput("give -o FILE or --dataset DIR, not both")
    # The format and gzip come from the name, also when the name is stdout's own file
    # (`-o x.csv.gz > x.csv.gz` wrote plain JSON Lines into it).
    chosen, gzipped = _export_format(fmt, output), _gzipped(output)
    if output == "-" or (output and _is_stdout(output)):
        output = None  # `-o -`, `-o /dev/stdout`: written to stdout as it is (appended to, >>)
    if not output and not dataset and sys.stdout is None:  # started with it closed (`>&-`)
        raise BadInput("stdout is closed: give -o FILE")
    if dataset and (all_revisions or fmt not in (None, "parquet")):
        # Else the other option wins silently: --all-revisions printed to stdout.
        raise BadInput(
            "--dataset writes Parquet files of the articles; drop --format/--all-revisions"
        )
    if max_file_size and not dataset:
        raise BadInput("--max-file-size applies to --dataset; give both")
    fmt = chosen
    if filters.get("title_only") and not filters.get("query"):
        raise BadInput("--title-only applies to --query; give both")
    if output:
        _not_the_archive(output, db)
    if output and _replaced(output) and not force:
        raise BadInput(f"{output} exists (use --force to overwrite)")
    if all_revisions or fmt == "warc":
        _check_raw(fmt, output, all_revisions, dedupe, filters)
    if fmt == "parquet" and not output and not dataset and sys.stdout.isatty():
        raise BadInput("Parquet is binary: give -o FILE or redirect stdout")
    max_bytes = parse_size(max_file_size or "200MB") if dataset else 0
    if dataset or fmt == "parquet":
        _require("parquet", "export --dataset" if dataset else "export --format parquet")
    if output:
        _check_folder(output)
    if dataset:
        _check_writable(dataset, made_beside=True)
    with _open_readonly(db) as archive:
        _known_source(archive, filters.get("source"), db)
        _known_language(archive, filters.get("language"), db)
        if query := filters.get("query"):
            title_only = bool(filters.get("title_only"))
            for note in archive.query_notes(query, title_only=title_only):
                click.echo(f"note: {note}", err=True)
    # Every refusal comes before this point, where files are opened: a refused export leaves none.
    if all_revisions or fmt == "warc":
        _export_raw(db, fmt, output, all_revisions, filters, gzipped)
        return
    near = NearDuplicates() if dedupe == "near" else None
    with _open_readonly(db) as archive, _progress(archive, filters) as progress:
        options = {"dedupe": near, "progress": progress, **filters}
        if dataset:
            with _writing(dataset):
                summary = write_dataset(
                    archive, dataset, max_file_bytes=max_bytes, force=force, **options
                )
            shards = len(summary.files) - 1  # the card is not a data file
            count, where = summary.rows, f"{dataset}/ ({shards} data file{'s' * (shards != 1)})"
        else:
            binary = fmt == "parquet" and output is not None
            with _written(output, binary, gzipped=gzipped) as fp:
                count, where = export(archive, fp, fmt, **options), output
    if where:
        click.echo(f"wrote {_count(count, 'article')} to {where}", err=True)
    if near is not None:
        dropped = _count(near.dropped, "near duplicate")
        click.echo(f"dropped {dropped} (Jaccard >= {near.threshold})", err=True)


def _export_raw(
    db: str,
    fmt: str,
    output: str | None,
    all_revisions: bool,
    filters: dict[str, Any],
    gzipped: bool,
) -> None:
    """--all-revisions and --format warc: whole histories or raw captures, by source only."""
    from storage.export import export_revisions
    from storage.warc import write_warc

    binary = fmt == "warc"
    # A WARC file is gzipped record by record already, whatever its name.
    gzipped = gzipped and not binary
    with _open_readonly(db) as archive, _written(output, binary, gzipped) as fp:
        if binary:
            count = write_warc(archive, fp, source=filters.get("source"))
        else:
            count = export_revisions(archive, fp, fmt, source=filters.get("source"))
    what = _count(count, "capture" if binary else "version")
    click.echo(f"wrote {what}" + (f" to {output}" if output else ""), err=True)


def _check_raw(
    fmt: str, output: str | None, all_revisions: bool, dedupe: str | None, filters: dict[str, Any]
) -> None:
    """Refuse what --all-revisions and --format warc cannot write, before any file is opened."""
    other = sorted(k for k, v in filters.items() if v and k != "source")
    other += ["dedupe"] if dedupe else []
    if other:
        raise BadInput(f"--all-revisions and --format warc take --source only, not --{other[0]}")
    if fmt == "warc" and all_revisions:
        raise BadInput("--format warc writes every capture already; drop --all-revisions")
    if all_revisions and fmt not in ("jsonl", "csv"):
        raise BadInput(f"all revisions are written as jsonl or csv, not {fmt!r}")
    if fmt == "warc" and not output and sys.stdout.isatty():
        raise BadInput("WARC is binary: give -o FILE or redirect stdout")


def _is_stdout(output: str) -> bool:
    """Whether ``output`` is the file the program's stdout already writes to
    (``-o /dev/stdout > x.csv``): the shell made it, and it is no file to refuse."""
    if sys.stdout is None:  # started with it closed (`>&-`)
        return False
    try:
        return os.path.samestat(os.stat(output), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):  # nothing there, or stdout closed
        return False


def _replaced(output: str) -> bool:
    """Whether writing ``output`` replaces a file's content: it exists and is a regular
    file (or a link to one). A pipe or a device (/dev/null, /dev/stdout to a pipe) is
    written to, as by a shell's ``>``: nothing of it is lost."""
    try:
        return stat.S_ISREG(os.stat(output).st_mode)
    except OSError:  # none there, or a link to nothing
        return False


def _in_place(target: str) -> bool:
    """Whether ``target`` (a link resolved) is written where it is rather than made beside
    it and renamed: a pipe or a device. Renamed over, /dev/null (as root) became a
    regular file."""
    return os.path.exists(target) and not _replaced(target)


@contextlib.contextmanager
def _written(output: str | None, binary: bool, gzipped: bool = False) -> Iterator[Any]:
    """The file to write: ``output``, made as OUTPUT.part and renamed once complete; else stdout.

    An interrupted or failed export never leaves a truncated file under the
    requested name, nor its .part. A link is followed: the file it names is made as
    its .part and renamed (a shell's `>` writes through a link; replaced, the link
    became a file of its own). A pipe or a device is written where it is (_in_place).
    ``gzipped``: through gzip (_opened).
    """
    if output is None:
        if gzipped:  # `-o x.csv.gz > x.csv.gz`: the name said gzip
            sys.stdout.flush()
            with _gzipped_over(sys.stdout.buffer, binary) as fp:
                yield fp
            return
        yield sys.stdout.buffer if binary else sys.stdout
        return
    target = os.path.realpath(output) if os.path.islink(output) else output
    if _in_place(target):
        with _writing(output), _opened(output, binary, gzipped) as fp:
            yield fp
        return
    tmp = Path(target + ".part")
    try:
        with _writing(output):
            with _opened(str(tmp), binary, gzipped) as fp:
                yield fp
            tmp.replace(target)
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def _opened(path: str, binary: bool, gzipped: bool) -> Iterator[Any]:
    """``path`` open for writing: text (UTF-8, newlines as written) or binary, through
    gzip if ``gzipped``, with no time or name in its header (byte-identical exports)."""
    if not gzipped:
        with open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline="") as fp:
            yield fp
        return
    with open(path, "wb") as raw, _gzipped_over(raw, binary) as fp:
        yield fp


@contextlib.contextmanager
def _gzipped_over(raw: Any, binary: bool) -> Iterator[Any]:
    """A gzip stream over the binary file ``raw`` (left open), with no time or name in
    its header; text (UTF-8, newlines as written) unless ``binary``."""
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
        if binary:
            yield packed
            return
        text = io.TextIOWrapper(packed, encoding="utf-8", newline="")
        yield text
        text.flush()
        text.detach()  # the GzipFile closes itself, after its trailer


def _remove(path: Path) -> None:
    """Remove ``path`` if it is there; on a read-only file system even a missing file's
    unlink() fails (EROFS, not ENOENT), which hid the error being reported."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def _progress(archive: Archive, filters: dict[str, Any]) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a bar on stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    total = archive.count(**filters)
    with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
        yield bar.update


@main.command()
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    help="Also draw releases per month per source to this .png, .svg or .pdf file "
    "(needs matplotlib).",
)
@DB_OPTION
@friendly_errors
def stats(plot: str | None, db: str) -> None:
    """Articles per source, per language and per month, as tables.

    \b
    Examples:
        pressroom stats --db hrw.db
        pressroom stats --db hrw.db --plot coverage.png
    """
    if plot:  # before the tables, not after them
        _require("plot", "stats --plot")
        _check_folder(plot)
        _check_writable(plot)
        _not_the_archive(plot, db)
        from pressroom.plot import chart_format

        chart_format(plot)
    with _open_readonly(db) as archive:
        data = archive.stats()
    if plot:  # an archive with nothing to plot is refused before the tables too
        from pressroom.plot import dated_months

        dated_months(data["months"])
    counts = [(data["articles"], "article"), (data["failures"], "failure"), (data["runs"], "run")]
    click.echo(", ".join(_count(n, noun) for n, noun in counts))
    click.echo()
    click.echo(_table(["source", "articles"], sorted(data["sources"].items())))
    click.echo()
    click.echo(_table(["language", "articles"], sorted(data["languages"].items())))
    click.echo()
    names = sorted(data["months"])
    months = sorted({m for counts in data["months"].values() for m in counts})
    rows = [
        [month, *(data["months"][name].get(month, 0) for name in names)]
        + ([sum(data["months"][name].get(month, 0) for name in names)] if len(names) > 1 else [])
        for month in months
    ]
    click.echo(_table(["month", *names, *(["all"] if len(names) > 1 else [])], rows))
    if plot:
        from pressroom.plot import plot_months

        with _writing(plot):
            plot_months(data["months"], plot, title=f"Releases per month in {Path(db).name}")
        click.echo(f"wrote {plot}", err=True)


@main.command("runs")
@click.argument("run_id", required=False, type=click.IntRange(min=1), metavar="[RUN]")
@click.option("--source", help="Only this source's runs.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many runs, newest first (0: all).",
)
@_json_options(
    ["table", "json", "jsonl"],
    "table",
    "table: aligned columns, then each run's message and warnings; json: one array; "
    "jsonl: one object per line (every column of the runs table).",
)
@DB_OPTION
@friendly_errors
def runs(run_id: int | None, source: str | None, limit: int, fmt: str, db: str) -> None:
    """List crawl runs, newest first: status, counts and why a run failed.

    What each crawl printed as its summary line, kept in the archive: a
    scheduled crawl's log in one place. Give a run's number for the whole of
    it (its summary line, options, message and warnings).

    \b
    Examples:
        pressroom runs --db hrw.db
        pressroom runs --source hrw --limit 5 --db hrw.db
        pressroom runs 12 --db hrw.db
    """
    from crawler.run import summary_line
    from pressroom.runs import notes, table

    with _open_readonly(db) as archive:
        _known_source(archive, source, db)
        rows = archive.runs(None if run_id else (limit or None), source=source, run_id=run_id)
    if run_id and not rows:
        raise BadInput(f"no run {run_id} in {db}" + (f" for source {source!r}" if source else ""))
    if fmt in ("json", "jsonl"):
        _echo_json(rows, fmt)
    elif run_id:
        (run,) = rows
        click.echo(summary_line(run))
        for key in ("started", "finished", "message"):
            if run.get(key):
                click.echo(f"{key}: {run[key]}")
        click.echo(f"options: {json.dumps(run.get('options') or {}, sort_keys=True)}")
        for warning in run["warnings"]:
            click.echo(f"warning: {warning}")
    elif rows:
        click.echo(table(rows))
        for line in notes(rows):
            click.echo(line)
    else:
        click.echo("no runs yet" + (f" for {source}" if source else ""), err=True)


@main.command()
@DB_OPTION
@friendly_errors
def upgrade(db: str) -> None:
    """Migrate an archive an older pressroom wrote to this version's schema.

    The commands that only read (search, export, stats, serve...) never write
    to an archive, so they refuse one whose schema is older and say to run
    this. It applies the missing migrations, each in one transaction, and
    nothing else; a crawl or reextract does the same when it opens the file.
    Rebuilding the search index (m009) takes about a second per 20,000 releases.

    \b
    Example:
        pressroom upgrade --db hrw.db
    """
    from storage.errors import NeedsUpgrade

    try:
        _open_readonly(db).close()
    except NeedsUpgrade as exc:
        pending = exc.pending
    else:
        click.echo(f"{db} is up to date")
        return
    Archive(db).close()  # a writable open applies them
    click.echo(f"upgraded {db}: applied {', '.join(pending)}")


def _check_folder(output: str) -> None:
    """A file about to be written must have its folder: a one-line error, not a traceback."""
    if not Path(output).absolute().parent.is_dir():
        raise BadInput(f"cannot write {output}: no directory {Path(output).parent}")


def _check_writable(output: str, *, made_beside: bool = False) -> None:
    """Refuse ``output`` in a folder the user may not write (or, unless it is
    ``made_beside`` it and renamed, as a dataset folder is, over a file it may not
    write), before anything is printed: not an unexpected PermissionError after."""
    path = Path(output).absolute()
    where = path if path.exists() and not made_beside else path.parent
    # A missing folder is said elsewhere, in words of its own.
    if where.exists() and not os.access(where, os.W_OK):
        if os.statvfs(where).f_flag & os.ST_RDONLY:  # as _writing() says an OSError: 1
            raise ArchiveError(f"cannot write {output}: Read-only file system")
        raise BadInput(f"cannot write {output}: Permission denied")


@contextlib.contextmanager
def _writing(output: str) -> Iterator[None]:
    """An OSError while ``output`` is written as one line: a path the user may not write
    to is bad input (2), a failing disk is not (1); _written() says it so of -o too."""
    try:
        yield
    except OSError as exc:
        error = BadInput if isinstance(exc, PermissionError) else ArchiveError
        raise error(f"cannot write {output}: {exc.strerror or exc}") from None


def _not_the_archive(output: str, db: str) -> None:
    """Refuse to write ``output`` over the archive ``db`` (or its -wal, -shm), however named.

    ``export -o a.db --force`` and ``stats --plot a.db`` replaced the archive they read.
    """
    target = Path(output).resolve()
    archive = Path(db).resolve()
    files = [archive, *(archive.with_name(archive.name + end) for end in ("-wal", "-shm"))]
    if target in files or (target.exists() and archive.exists() and target.samefile(archive)):
        raise BadInput(f"{output} is the archive --db reads: write to another file")


def _table(headers: list[str], rows: list[Any]) -> str:
    """Aligned columns: the first left-aligned, the others (counts) right-aligned."""
    return aligned(headers, rows, right=range(1, len(headers)))


@main.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option(
    "--immutable/--no-immutable",
    default=None,
    help="Open the file immutable (faster), or only read-only. "
    "Default: immutable unless a crawl is running.",
)
@friendly_errors
def serve(db: str, host: str, port: int, immutable: bool | None) -> None:
    """Browse and search the archive in Datasette, read-only (needs pressroom[serve]).

    Facets on source, language, tags and date; canned queries for ranked
    search, latest releases, recent changes and a release's revisions.

    \b
    Example:
        pressroom serve --db hrw.db      # then open http://127.0.0.1:8001/hrw/articles
    """
    from pressroom.serve import serve as run_server

    _require("serve", "pressroom serve")
    _open_readonly(db).close()
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: serving on {host}: anyone who reaches it reads the archive", err=True)
    run_server(db, host=host, port=port, immutable=immutable, echo=click.echo)


@main.command()
@click.option(
    "--db",
    default="pressroom-demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive file the demo crawls into (made afresh each run).",
)
@friendly_errors
def demo(db: str) -> None:
    """Serve a bundled sample site on 127.0.0.1, crawl it, search it. No network needed.

    \b
    Example:
        pressroom demo && pressroom search refugees --db pressroom-demo.db
    """
    from pressroom.demo import run_demo

    _exit_for(run_demo(db, echo=click.echo))


@main.command()
@click.argument("url")
@click.option("--diff", "versions", nargs=2, type=int, help="Compare versions A and B.")
@DB_OPTION
@friendly_errors
def history(url: str, versions: tuple[int, int] | None, db: str) -> None:
    """List the stored versions of a release and show what changed.

    Without --diff, the last two versions are compared.

    \b
    Examples:
        pressroom history https://www.hrw.org/news/2026/01/12/chad --db hrw.db
        pressroom history https://www.hrw.org/news/2026/01/12/chad --diff 1 3
    """
    from extraction.urls import normalize
    from pressroom.history import describe, diff

    with _open_readonly(db) as archive:
        # As given, else as the crawl would have stored it (no tracking parameters,
        # fragment or trailing slash): a URL pasted from a browser or a newsletter.
        found = archive.history(url) or archive.history(normalize(url))
    if not found:
        raise BadInput(f"no archived release at {url}")
    # The diff first: a version the release lacks is refused before the list is printed.
    changes = (
        diff(found, *(versions or (len(found) - 1, len(found))))
        if len(found) > 1 or versions
        else None
    )
    for line in describe(found):
        click.echo(line)
    if changes is not None:
        click.echo("")
        click.echo(changes)


@main.command()
@click.option("--not-releases", is_flag=True, help="Only pages judged not a release.")
@click.option("--releases", "releases_only", is_flag=True, help="Only pages judged a release.")
@click.option(
    "--outside-allow",
    is_flag=True,
    help="Only URLs the allow/deny patterns left out (not fetched; a walk reads them for links).",
)
@click.option("--source", help="Only this source.")
@_json_options(
    ["table", "json", "jsonl"],
    "table",
    "table: tab-separated with a header; json: one array; jsonl: one object per line.",
)
@DB_OPTION
@friendly_errors
def pages(
    not_releases: bool,
    releases_only: bool,
    outside_allow: bool,
    source: str | None,
    fmt: str,
    db: str,
) -> None:
    """List the pages crawls judged, with the sitemap lastmod they were listed with.

    A page judged not a release (a home page, a topic page, "About") is not
    fetched again while its sitemap lastmod stays the same; these are those pages.
    URLs the source's allow/deny patterns left out are listed too (the verdict
    outside_patterns; the summary line's "N outside --allow"). Each page is
    listed by its normalized URL, the archive's key (no fragment, tracking
    parameters or trailing slash), not always as the site linked it; the crawl
    fetches it as linked.

    \b
    Examples:
        pressroom pages --not-releases --db site.db
        pressroom pages --not-releases --source hrw --nl --db hrw.db
        pressroom pages --outside-allow --db site.db
    """
    chosen = [
        verdict
        for flag, verdict in (
            (not_releases, "not_release"),
            (releases_only, "release"),
            (outside_allow, "outside_patterns"),
        )
        if flag
    ]
    if len(chosen) > 1:
        raise BadInput("give one of --not-releases, --releases and --outside-allow")
    verdict = chosen[0] if chosen else None
    with _open_readonly(db) as archive:
        _known_source(archive, source, db)
        rows = list(archive.pages(source=source, verdict=verdict))
    if fmt in ("json", "jsonl"):
        _echo_json(rows, fmt)  # as search, profile and extract print them
    else:
        columns = ("verdict", "lastmod", "checked_at", "run_id", "source", "url", "reason")
        click.echo("\t".join(columns))
        for row in rows:
            click.echo("\t".join("" if row[c] is None else str(row[c]) for c in columns))


@main.command()
@click.option(
    "--source",
    help="Only this source: its name, or its .toml file (whose rules then apply).",
)
@DB_OPTION
@friendly_errors
def reextract(source: str | None, db: str) -> None:
    """Extract archived releases again from their stored responses (no network).

    Use it after upgrading pressroom or editing a source's rules; a release
    whose text changes gets a new version, its old text kept in revisions.
    Each source's rules come from the file its last crawl was given; when
    that file cannot be read, nothing is done (exit 2): give it with --source.
    While a crawl of the source runs, nothing is done (exit 75); a crawl
    started while it runs exits 75 too.

    \b
    Examples:
        pressroom reextract --source hrw --db hrw.db
        pressroom reextract --source mysite.toml --db my.db
    """
    from pressroom.reextract import reextract as run_reextract

    if not Path(db).exists():
        raise BadInput(f"no archive at {db} (run `pressroom crawl` first, or pass --db)")
    rules = None
    if source and source.endswith(".toml"):
        src = sources.load(source)
        source, rules = src.name, src.rules
    if source:
        # Opened as reextract opens it: someone else's database is named as such.
        with Archive(db) as archive:
            _known_source(archive, source, db)
    counts = run_reextract(db, source, source_rules=rules)
    click.echo(
        f"re-extracted {_count(sum(counts.values()), 'release')}: {counts['updated']} changed, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed"
    )


@main.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--source", "source", help="Apply this source's rules and learned profile.")
@_json_options(["jsonl", "json"], "jsonl", "jsonl: one object per line; json: one JSON array.")
@DB_OPTION
@friendly_errors
def extract_cmd(paths: tuple[str, ...], source: str | None, fmt: str, db: str) -> None:
    """Extract saved HTML or PDF files; print one JSON object per page (JSON Lines).

    Folders are walked for .html, .htm, .xhtml and .pdf files (gzipped too);
    none at all is an error (exit 2).
    With --source, that source's cleaning rules apply, and its boilerplate
    profile (exact and near-repeated blocks) from --db when the archive has one.

    \b
    Examples:
        pressroom extract saved/page.html
        pressroom extract saved/ --source hrw --db hrw.db > pages.jsonl
        pressroom extract saved/ --json > pages.json
    """
    from crawler.profile import learned_near
    from pressroom.files import SUFFIXES, extract_paths, iter_files
    from storage import profiles

    rules, boilerplate, near = sources.Rules(), frozenset[int](), None
    if source:
        src, rules = _source_rules(source, db)
        if Path(db).exists():
            with Archive(db, readonly=True) as archive:
                boilerplate = profiles.boilerplate(archive, src)
                near = learned_near(archive, src)  # as the crawl applies them
    try:
        files = list(iter_files(paths))  # a walk, no reading: the work is extract_paths'
    except FileNotFoundError as exc:
        raise BadInput(str(exc)) from None
    if not files:  # an empty folder, or one of other files: say so, not a silent exit 0
        kinds = ", ".join(SUFFIXES[:-1]) + " or " + SUFFIXES[-1]
        raise BadInput(f"no {kinds} file (gzipped or not) in {', '.join(paths)}")
    try:
        _echo_json(extract_paths(files, rules, boilerplate, near), fmt)
    except FileNotFoundError as exc:
        raise BadInput(str(exc)) from None


@main.command("profile")
@click.argument("source")
@click.option("--all", "show_all", is_flag=True, help="Also list repeated blocks that are kept.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most N blocks.")
@_json_options(
    ["text", "json", "jsonl"], "text", "text: for reading; json: one JSON array; jsonl: JSON Lines."
)
@DB_OPTION
@friendly_errors
def profile_cmd(source: str, show_all: bool, limit: int | None, fmt: str, db: str) -> None:
    """Show the boilerplate a source's pages share, learned while crawling it.

    A block (paragraph, heading, list item) seen on at least half of the
    source's pages, or of the pages of one language or layout, is dropped
    from every text of that source; each line shows on how many pages it was.

    \b
    Examples:
        pressroom profile hrw --db hrw.db
        pressroom profile hrw --all --limit 50
        pressroom profile hrw --json > hrw-profile.json
    """
    from storage import profiles

    name = sources.load(source).name if source.endswith(".toml") else source
    with _open_readonly(db) as archive:
        _known_source(archive, name, db)
        pages = profiles.page_count(archive, name)
        rows = [r for r in profiles.profile(archive, name) if show_all or r["boilerplate"]]
    if not pages:
        raise BadInput(f"no pages of source {name!r} in {db} (crawl it first)")
    rows = rows[:limit] if limit else rows
    if fmt != "text":
        _echo_json(rows, fmt)
        return
    dropped = sum(1 for r in rows if r["boilerplate"])
    shown = f"{_count(dropped, 'boilerplate block')} shown"
    if show_all:  # the kept ones are listed too: say so, or the header reads "0 ... shown"
        shown = (
            f"{_count(len(rows), 'block')} shown: {dropped} boilerplate, {len(rows) - dropped} kept"
        )
    click.echo(f"{name}: learned from {_count(pages, 'page')}; {shown}")
    for row in rows:
        mark = "drop" if row["boilerplate"] else "keep"
        text = " ".join((row["text"] or "").split())
        text = text if len(text) <= 80 else text[:79] + "…"
        group = "all pages" if row["group"] == profiles.ALL else row["group"]
        seen = f"{row['pages']}/{row['total']}"
        click.echo(f"{mark}  {seen:>11} {row['share']:>5.0%}  {group:<17} {text}")


def _source_rules(name: str, db: str) -> tuple[str, sources.Rules]:
    """A source's name and rules: a .toml file, else the file its last crawl used, else
    the bundled one of its name (pressroom.reextract.rules_for)."""
    if name.endswith(".toml") or (name in sources.bundled() and not Path(db).exists()):
        src = sources.load(name)
        return src.name, src.rules
    if not Path(db).exists():
        raise sources.SourceError(f"unknown source {name!r} (not bundled, not a .toml, no {db})")
    from pressroom.reextract import rules_for

    with Archive(db, readonly=True) as archive:
        if name not in sources.bundled():
            _known_source(archive, name, db)
        return name, rules_for(archive, name)


def _open_readonly(db: str) -> Archive:
    if not Path(db).exists():
        raise BadInput(f"no archive at {db} (run `pressroom crawl` first, or pass --db)")
    return Archive(db, readonly=True)


if __name__ == "__main__":  # pragma: no cover
    main()
