"""Crawl the government-newsroom fixture as a new user would, and score the archive.

    python bench/govsite.py                        # 300 releases
    python bench/govsite.py --releases 2000 --keep govsite.db --examples 5
    python bench/govsite.py --text-dates           # no <time> anywhere: dates as text only

Serves :mod:`fixtures.govsite` on 127.0.0.1, runs the installed program
``pressroom crawl --sitemap URL/sitemap.xml --db FILE`` (no source file, no
rule written for the site) in a subprocess, and prints :mod:`bench.site_score`'s
table: release recall, non-releases stored, boilerplate leaks by kind, body
F1, and the accuracy of dates, authors and organisations, then issue 17's
goals, each met or not. Exit status 0 whether goals are met or not (a bench
prints, tests assert); 1 if the crawl itself failed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script: make `bench` and `fixtures` importable; first, before bench/ (whose extraction.py
# would shadow the extraction package).
sys.path.insert(0, str(ROOT))

from bench.site_score import SiteScore, print_score, score_archive  # noqa: E402
from fixtures.demo.server import serve  # noqa: E402
from fixtures.govsite import build_site, site_truth  # noqa: E402


def crawl(url: str, db: Path, extra: list[str]) -> subprocess.CompletedProcess:
    """The installed ``pressroom`` crawling ``url``'s sitemap into ``db``, as a user runs it."""
    program = shutil.which("pressroom")
    if program is None:
        raise SystemExit("the pressroom program is not installed: pip install -e '.[test]'")
    command = [program, "crawl", "--sitemap", f"{url}/sitemap.xml", "--db", str(db), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=3600)


def run(
    releases: int = 300,
    *,
    seed: int = 11,
    text_dates: bool = False,
    workers: int | None = None,
    keep: Path | None = None,
    echo: Callable[[str], None] = print,
) -> SiteScore | None:
    """Serve the site, crawl it as a user would, print what pressroom said; the score
    (None when the crawl failed: its stderr is printed)."""
    site = build_site(releases, seed=seed, page_cache=4096, text_dates=text_dates)
    extra = ["--workers", str(workers)] if workers is not None else []
    with tempfile.TemporaryDirectory() as tmp, serve(site) as server:  # type: ignore[arg-type]
        db = keep or Path(tmp) / "govsite.db"
        if db.exists():
            sys.exit(f"{db} exists: the bench measures a first crawl, give a new file")
        truth = site_truth(site, server.url)
        start = time.perf_counter()
        result = crawl(server.url, db, extra)
        seconds = time.perf_counter() - start
        dates = "text only" if text_dates else "<time> on news, text on the rest"
        echo(
            f"government newsroom fixture: {site.n_releases} English releases, seed {seed}, "
            f"dates {dates}"
        )
        echo(
            f"{sum(t.is_release for t in truth)} release pages and "
            f"{sum(not t.is_release for t in truth)} other pages in the sitemap; "
            f"crawled in {seconds:.1f}s"
        )
        summary = (result.stdout.strip() or result.stderr.strip()).splitlines()[-1:]
        echo(f"pressroom said (exit {result.returncode}): {' '.join(summary)}")
        if result.returncode != 0 or not db.exists():
            print(result.stderr[-2000:], file=sys.stderr)
            return None
        return score_archive(db, truth)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=300, help="English releases (default 300)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", type=Path, help="keep the archive here (default: a temp file)")
    parser.add_argument("--examples", type=int, default=2, help="failures shown per kind")
    parser.add_argument("--workers", type=int, help="passed to pressroom crawl --workers")
    parser.add_argument(
        "--text-dates", action="store_true", help="no <time> on any page: dates as text only"
    )
    args = parser.parse_args(argv)
    score = run(
        args.releases,
        seed=args.seed,
        text_dates=args.text_dates,
        workers=args.workers,
        keep=args.keep,
    )
    if score is None:
        return 1
    print()
    print_score(score, examples=args.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
