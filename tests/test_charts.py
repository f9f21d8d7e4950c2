"""`pressroom stats`: tables per source, language and month, and the --plot chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import main
from pressroom.plot import month_range
from storage import Archive

pytest.importorskip("matplotlib", reason="pip install 'pressroom[plot]' to test --plot")


def article(url: str, source: str, date: str | None, language: str = "en") -> dict:
    return {
        "url": url,
        "source": source,
        "title": url,
        "text": f"Text of {url}",
        "date_published": date,
        "language": language,
    }


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        archive.save_articles(
            [
                article("a1", "ec", "2024-01-10"),
                article("a2", "ec", "2024-01-20", "fr"),
                # no release at all in 2024-02: a gap the chart must show
                article("a3", "ec", "2024-03-02T10:00:00+01:00"),
                article("b1", "un", "2024-03-05", "fr"),
                article("b2", "un", None, None),
            ],
            None,
        )
    return path


def test_stats_tables(archive_path):
    result = CliRunner().invoke(main, ["stats", "--db", str(archive_path)])
    assert result.exit_code == 0, result.output
    assert result.output.split("\n\n")[1:] == [
        "source  articles\nec             3\nun             2",
        "language  articles\nen               2\nfr               2\nunknown          1",
        "month    ec  un  all\n2024-01   2   0    2\n2024-03   1   1    2\nunknown   0   1    1\n",
    ]


def test_plot_writes_a_reproducible_png(archive_path, tmp_path):
    first, second = tmp_path / "one.png", tmp_path / "two.png"
    for target in (first, second):
        result = CliRunner().invoke(main, ["stats", "--db", str(archive_path), "--plot", target])
        assert result.exit_code == 0, result.output
        assert f"wrote {target}" in result.output
    data = first.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert data == second.read_bytes()  # no timestamps or versions in the file

    from matplotlib import image

    height, width = image.imread(first).shape[:2]
    assert width >= 800 and height >= 400


def test_months_without_releases_are_drawn_as_zero():
    assert month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert month_range("2024-03", "2024-03") == ["2024-03"]


def test_plot_of_an_undated_archive_is_a_clear_error(tmp_path):
    path = tmp_path / "u.db"
    with Archive(path) as archive:
        archive.save_articles([article("x", "ec", None)], None)
    result = CliRunner().invoke(main, ["stats", "--db", str(path), "--plot", tmp_path / "p.png"])
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        "Error: nothing to plot: the archive has no dated releases"
    )


def test_a_plot_into_a_missing_folder_is_a_one_line_error_before_the_tables(
    cli, archive_path, tmp_path
):
    target = tmp_path / "no" / "such" / "p.png"
    result = cli("stats", "--db", str(archive_path), "--plot", str(target))
    assert result.returncode == 2
    assert result.stdout == ""  # not the tables, then a traceback-like "unexpected" error
    assert result.stderr.strip() == f"Error: cannot write {target}: no directory {target.parent}"


@pytest.mark.parametrize(
    ("name", "start"),
    [("c.svg", b"<?xml"), ("c.pdf", b"%PDF-"), ("C.PNG", b"\x89PNG\r\n\x1a\n")],
)
def test_the_plot_is_written_in_the_format_its_name_says(cli, archive_path, tmp_path, name, start):
    # coverage.svg held a PNG: a browser or LaTeX opening it by its name failed.
    first, second = tmp_path / "one" / name, tmp_path / "two" / name
    for target in (first, second):
        target.parent.mkdir()
        result = cli("stats", "--db", str(archive_path), "--plot", str(target))
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip() == f"wrote {target}"
    data = first.read_bytes()
    assert data.startswith(start) and len(data) > 5_000
    assert data == second.read_bytes()  # no dates or random ids in the file


@pytest.mark.parametrize("name", ["coverage.txt", "coverage.jpg", "coverage"])
def test_a_plot_name_of_another_format_is_refused_before_the_tables(
    cli, archive_path, tmp_path, name
):
    target = tmp_path / name
    result = cli("stats", "--db", str(archive_path), "--plot", str(target))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot draw {target}: ") and ".svg" in line, line
    assert sorted(tmp_path.iterdir()) == [archive_path]  # no chart, no .part


def test_a_plot_of_an_undated_archive_is_refused_before_the_tables(cli, tmp_path):
    # The tables came on stdout, then the Error line: a refusal should come alone.
    path = tmp_path / "u.db"
    with Archive(path) as archive:
        archive.save_articles([article("x", "ec", None)], None)
    result = cli("stats", "--db", str(path), "--plot", str(tmp_path / "p.png"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "Error: nothing to plot: the archive has no dated releases\n"
    assert not (tmp_path / "p.png").exists()
