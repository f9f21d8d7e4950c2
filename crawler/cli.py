"""The `pressroom` command: parse, call one library function, print.

Example::

    pressroom demo
    pressroom crawl hrw --db hrw.db --max-pages 100
    pressroom search '"forced labor" AND cotton' --db hrw.db
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from crawler import __version__, sources
from crawler.lock import CrawlLocked
from storage import Archive, ArchiveError, BadInput, export

DB_OPTION = click.option(
    "--db",
    default="pressroom.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Archive file (SQLite).",
)


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line and an exit code: 2 for bad input, 1 otherwise."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (sources.SourceError, BadInput) as exc:
            _fail(str(exc), 2)
        except CrawlLocked as exc:
            _fail(str(exc), 75)  # EX_TEMPFAIL: try again later
        except ArchiveError as exc:
            _fail(str(exc), 1)
        except BrokenPipeError:
            # `pressroom export | head`: the reader left; stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("PRESSROOM_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (set PRESSROOM_DEBUG=1 for details)", 1)

    return wrapper


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message.splitlines()[0] if message else 'failed'}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    "--depth", type=click.IntRange(min=0), default=None, help="Link-walking depth (--start-url)."
)
@click.option("--workers", type=click.IntRange(min=0), default=None, help="Extraction processes.")
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
    verbose: bool,
) -> None:
    """Crawl a source into the archive; rerun to update it.

    A rerun fetches only what is new or changed (sitemap lastmod, 304 Not
    Modified, listings stop at known releases); a changed release keeps its old
    version in the revisions table. Exit codes: 0 ok, 1 the run failed, 2 bad
    input, 75 another crawl of the source into this archive is running.

    \b
    Examples:
        pressroom crawl hrw --db hrw.db
        pressroom crawl hrw --recheck-older-than 30d
        pressroom crawl --source mysite.toml
        pressroom crawl --sitemap https://example.org/sitemap.xml --allow '/press/'
    """
    from crawler.run import crawl as run_crawl
    from crawler.run import summary_line

    chosen = source_file or source
    if chosen and (sitemap or feed or start_url):
        raise sources.SourceError("give a source or --sitemap/--feed/--start-url, not both")
    if chosen:
        src = sources.load(chosen)
        if allow or deny:
            raise sources.SourceError("--allow/--deny apply to ad hoc crawls; edit the source file")
    else:
        src = sources.adhoc(sitemap=sitemap, feed=feed, start_url=start_url, allow=allow, deny=deny)
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

    \b
    Example:
        pressroom sources --db hrw.db
    """
    for name, path in sources.bundled().items():
        src = sources.load(path)
        click.echo(f"{name}\tbundled\t{src.title or ', '.join(src.allowed_domains)}")
    if Path(db).exists():
        with Archive(db, readonly=True) as archive:
            counts = archive.stats()["sources"]
            for name, count in sorted(counts.items()):
                click.echo(f"{name}\tin {db}\t{count} articles")


def _filters(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--source", help="Only this source."),
            click.option("--since", help="Published on or after (YYYY-MM-DD)."),
            click.option("--until", help="Published on or before (YYYY-MM-DD)."),
            click.option("--lang", "language", help="Only this language (ISO 639-1)."),
        ]
    ):
        func = option(func)
    return func


@main.command()
@click.argument("query")
@_filters
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@DB_OPTION
@friendly_errors
def search(query: str, limit: int, as_json: bool, db: str, **filters: Any) -> None:
    """Full-text search, best matches first, with a snippet.

    Phrases in double quotes, AND/OR/NOT, prefix* and title:word work.

    \b
    Examples:
        pressroom search 'detention' --db hrw.db
        pressroom search '"forced labor" NOT cotton' --since 2024-01-01 --json
    """
    with _open_readonly(db) as archive:
        results = archive.search(query, limit=limit, **filters)
    for row in results:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False, sort_keys=True))
        else:
            date = (row.get("date_published") or "")[:10]
            snippet = " ".join((row.get("snippet") or "").split())
            click.echo(f"{date}  {row['title']}\n    {row['url']}\n    {snippet}\n")
    if not results and not as_json:
        click.echo("no matches", err=True)


@main.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@_filters
@DB_OPTION
@friendly_errors
def export_cmd(fmt: str, output: str | None, force: bool, db: str, **filters: Any) -> None:
    """Export articles as JSONL or CSV.

    \b
    Examples:
        pressroom export --db hrw.db -o hrw.jsonl
        pressroom export --format csv --source hrw --since 2025-01-01 > 2025.csv
    """
    if output and Path(output).exists() and not force:
        raise BadInput(f"{output} exists (use --force to overwrite)")
    with _open_readonly(db) as archive:
        if output:
            tmp = Path(output + ".part")
            try:
                with open(tmp, "w", encoding="utf-8", newline="") as fp:
                    count = export(archive, fp, fmt, **filters)
                tmp.replace(output)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise ArchiveError(f"cannot write {output}: {exc.strerror or exc}") from None
            click.echo(f"wrote {count} articles to {output}", err=True)
        else:
            export(archive, sys.stdout, fmt, **filters)


@main.command()
@DB_OPTION
@friendly_errors
def stats(db: str) -> None:
    """Articles per source and per month.

    \b
    Example:
        pressroom stats --db hrw.db
    """
    with _open_readonly(db) as archive:
        data = archive.stats()
    click.echo(f"{data['articles']} articles, {data['failures']} failures, {data['runs']} runs")
    for name, count in sorted(data["sources"].items()):
        click.echo(f"  {name}: {count}")
    click.echo("per month:")
    for name, months in sorted(data["months"].items()):
        for month, count in sorted(months.items()):
            click.echo(f"  {month}  {name}  {count}")


@main.command()
@click.option(
    "--db", default="pressroom-demo.db", show_default=True, type=click.Path(dir_okay=False)
)
@click.option("--releases", type=click.IntRange(min=1, max=5000), default=36, show_default=True)
@friendly_errors
def demo(db: str, releases: int) -> None:
    """Serve a bundled sample site on 127.0.0.1, crawl it, search it. No network needed.

    \b
    Example:
        pressroom demo && pressroom search refugees --db pressroom-demo.db
    """
    from crawler.demo.run import run_demo

    run_demo(db, releases, echo=click.echo)


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
    from crawler.history import describe, diff

    with _open_readonly(db) as archive:
        found = archive.history(url)
    if not found:
        raise BadInput(f"no archived release at {url}")
    for line in describe(found):
        click.echo(line)
    if len(found) > 1 or versions:
        a, b = versions or (len(found) - 1, len(found))
        click.echo("")
        click.echo(diff(found, a, b))


@main.command()
@click.option("--source", help="Only this source.")
@DB_OPTION
@friendly_errors
def reextract(source: str | None, db: str) -> None:
    """Extract archived releases again from their stored responses (no network).

    Use it after upgrading pressroom or editing a source's rules; a release
    whose text changes gets a new version, its old text kept in revisions.

    \b
    Example:
        pressroom reextract --source hrw --db hrw.db
    """
    from crawler.reextract import reextract as run_reextract

    if not Path(db).exists():
        raise BadInput(f"no archive at {db} (run `pressroom crawl` first, or pass --db)")
    counts = run_reextract(db, source)
    click.echo(
        f"re-extracted {sum(counts.values())} releases: {counts['updated']} changed, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed"
    )


def _open_readonly(db: str) -> Archive:
    if not Path(db).exists():
        raise BadInput(f"no archive at {db} (run `pressroom crawl` first, or pass --db)")
    return Archive(db, readonly=True)


if __name__ == "__main__":  # pragma: no cover
    main()
