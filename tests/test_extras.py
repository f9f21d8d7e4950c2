"""A command that needs an optional extra which is not installed: one line naming the
`pip install 'pressroom[EXTRA]'` to run, exit 2, before any output or file.

The installed program runs with a PYTHONPATH folder in front whose modules of the
extra's name raise ImportError, as a missing package does: these tests run on a
machine that has every extra installed (pip install -e '.[test]').
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import PROGRAM, Clock, run_cli

from storage import Archive

pytestmark = pytest.mark.skipif(PROGRAM is None, reason="pip install -e '.[test]' first")


@pytest.fixture
def without(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """without("pyarrow", ...): the program's later runs cannot import these modules."""

    def hide(*modules: str) -> None:
        shadow = tmp_path / "shadow"
        shadow.mkdir(exist_ok=True)
        for module in modules:
            (shadow / f"{module}.py").write_text(
                f"raise ModuleNotFoundError(\"No module named '{module}'\", name={module!r})\n"
            )
        path = os.environ.get("PYTHONPATH")
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(shadow), path])))

    return hide


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "press.db"
    with Archive(path, clock=Clock()) as archive:
        run = archive.start_run("ngo", {})
        release = {"url": "https://ngo.example/news/1", "source": "ngo", "title": "Floods"}
        archive.save_articles([release | {"text": "Floods.", "date_published": "2024-01-05"}], run)
    return path


def missing(result, extra: str) -> None:
    """Refused for the extra: exit 2, its pip line as the one line, nothing on stdout."""
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert lines[0].endswith(f"pip install 'pressroom[{extra}]'"), lines[0]
    assert result.stdout == ""


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize(
    "args",
    [["--format", "parquet", "-o", "out.parquet"], ["-o", "out.parquet"], ["--dataset", "ds"]],
    ids=" ".join,
)
def test_parquet_without_pyarrow(without, db, tmp_path, args):
    without("pyarrow")
    before = files(tmp_path)
    missing(run_cli("export", *args, "--db", str(db), cwd=tmp_path), "parquet")
    assert files(tmp_path) == before


def test_plot_without_matplotlib_prints_no_table(without, db, tmp_path):
    without("matplotlib")
    missing(run_cli("stats", "--plot", str(tmp_path / "c.png"), "--db", str(db)), "plot")
    assert not (tmp_path / "c.png").exists()


def test_serve_without_datasette(without, db):
    without("datasette")
    missing(run_cli("serve", "--db", str(db), "--port", "1"), "serve")


@pytest.mark.parametrize("module", ["scrapy_redis", "redis"])
def test_cluster_without_its_extra(without, tmp_path, module):
    without(module)
    redis = "redis://127.0.0.1:1/0"
    missing(run_cli("worker", "--redis", redis, "--exit-when-idle"), "cluster")
    db = tmp_path / "site.db"
    crawl = ["crawl", "--sitemap", "http://127.0.0.1:1/sitemap.xml", "--db", str(db)]
    missing(run_cli(*crawl, "--redis", redis), "cluster")
    assert not db.exists()
