"""Dependencies point one way: program -> Scrapy project -> extraction, storage -> article.

Every shipped module's imports (top-level and inside functions, read with
``ast``, never executed) are checked against the layers of ARCHITECTURE.md:

    pressroom  ->  crawler  ->  extraction, storage  ->  article

A module may import its own package and any package of a lower layer, never
a higher one nor its neighbour (extraction and storage do not know each other).
Third-party limits: extraction is pure (no Scrapy, Twisted, SQLite, click),
storage has no Scrapy, Twisted, trafilatura or click, article imports nothing
of pressroom's. trafilatura is imported by one module only. Nothing shipped
imports the fixtures, tests or benches, and the wheel does not contain them.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
LAYER = {"article": 0, "extraction": 1, "storage": 1, "crawler": 2, "pressroom": 3}
NOT_SHIPPED = ("fixtures", "tests", "bench", "conftest", "helpers")
FORBIDDEN = {
    "extraction": ("scrapy", "twisted", "sqlite3", "sqlite_utils", "click"),
    "storage": ("scrapy", "twisted", "trafilatura", "click"),
    "article": (),
}
TRAFILATURA_SEAM = "extraction/engine.py"  # the one module that calls trafilatura
# Entry points nothing imports: `python -m crawler`, the program's old name, and
# the console script installs made before the program moved to pressroom/.
ENTRY_POINTS = {"crawler/__main__.py": "pressroom"}


def imports(source: str, package: str) -> list[tuple[int, str]]:
    """(line, top-level module name) of every import in ``source``, relative ones resolved."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            name = package if node.level else (node.module or "").split(".")[0]
            found.append((node.lineno, name))
    return found


def violations(path: str, source: str) -> list[str]:
    """What is wrong with the imports of the shipped module at ``path`` (repo-relative)."""
    package = path.split("/")[0]
    out = []
    for line, name in imports(source, package):
        where = f"{path}:{line} imports {name}"
        if name in NOT_SHIPPED:
            out.append(f"{where}: shipped code must not import what is not shipped")
        elif ENTRY_POINTS.get(path) == name:
            continue
        elif name in LAYER and name != package and LAYER[name] >= LAYER[package]:
            out.append(f"{where}: a back-edge ({package} is below or beside {name})")
        elif name in FORBIDDEN.get(package, ()):
            out.append(f"{where}: {package} must not use {name}")
        elif name == "trafilatura" and path != TRAFILATURA_SEAM:
            out.append(f"{where}: trafilatura is called from {TRAFILATURA_SEAM} only")
    return out


def shipped_modules() -> list[Path]:
    return sorted(p for package in LAYER for p in (ROOT / package).rglob("*.py"))


def test_trafilatura_is_imported_by_exactly_one_module():
    # The seam holds only while some module uses it: an empty list would mean the
    # check above has nothing left to guard.
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in shipped_modules()
        if "trafilatura" in {name for _, name in imports(path.read_text("utf-8"), "")}
    ]
    assert importers == [TRAFILATURA_SEAM]


def test_every_shipped_module_imports_downward_only():
    modules = shipped_modules()
    assert len(modules) > 60  # the walk found the packages
    problems = [
        problem
        for path in modules
        for problem in violations(path.relative_to(ROOT).as_posix(), path.read_text("utf-8"))
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("path", "source", "words"),
    [
        ("storage/x.py", "from extraction.extract import analyse", "back-edge"),
        ("extraction/x.py", "def f():\n    from storage import Archive", "back-edge"),
        ("extraction/x.py", "import sqlite3", "must not use sqlite3"),
        ("storage/x.py", "import scrapy.http", "must not use scrapy"),
        ("crawler/x.py", "from pressroom.cli import main", "back-edge"),
        ("article/x.py", "from crawler import sources", "back-edge"),
        ("pressroom/x.py", "from fixtures.demo.site import build_site", "not shipped"),
        ("crawler/x.py", "from trafilatura import extract", "trafilatura is called from"),
    ],
)
def test_the_check_catches(path, source, words):
    (problem,) = violations(path, source)
    assert words in problem


def test_the_check_allows_downward_and_own_imports():
    source = "from . import records\nfrom article.text import render\nimport sqlite3"
    assert violations("storage/x.py", source) == []
    assert violations("pressroom/x.py", "from crawler.run import crawl\nimport click") == []


def test_the_wheel_holds_the_packages_and_no_fixture():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    find = config["packages"]["find"]
    packages = find_packages(str(ROOT), include=find["include"], exclude=find.get("exclude", ()))
    assert {p.split(".")[0] for p in packages} == set(LAYER)
    assert not [p for p in packages if p.split(".")[0] in NOT_SHIPPED]
