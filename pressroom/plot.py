"""Draw releases per month per source, so gaps in coverage show at a glance.

    >>> plot_months({"hrw": {"2024-01": 40, "2024-03": 38}}, "coverage.png")  # doctest: +SKIP
    PosixPath('coverage.png')

Needs matplotlib (``pip install 'pressroom[plot]'``). Every month between the
first and the last dated release is drawn, with 0 for a month without any, so
a month the crawler missed is a visible dip to the axis rather than a line
drawn straight across it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from storage import BadInput

# The formats a chart is written in, by the name's ending, each with the metadata
# left out so that the same archive draws the same bytes (no date, no software).
FORMATS = {
    ".png": {"Software": None},
    ".svg": {"Date": None},
    ".pdf": {"CreationDate": None},
}


def chart_format(path: str | os.PathLike[str]) -> str:
    """The format ``path``'s ending names ("png", "svg", "pdf"), or a one-line BadInput.

    Checked before anything is printed: a PNG under coverage.svg opens nowhere.

    >>> chart_format("coverage.SVG")
    'svg'
    >>> chart_format("coverage.txt")
    Traceback (most recent call last):
    storage.errors.BadInput: cannot draw coverage.txt: name it .png, .svg or .pdf
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise BadInput(f"cannot draw {path}: name it .png, .svg or .pdf")
    return suffix[1:]


def dated_months(months: Mapping[str, Mapping[str, int]]) -> list[str]:
    """The months with dated releases, in order, or a one-line BadInput when there are none.

    >>> dated_months({"hrw": {"2024-03": 2, "unknown": 1}, "un": {"2024-01": 1}})
    ['2024-01', '2024-03']
    """
    dated = sorted({m for counts in months.values() for m in counts if m != "unknown"})
    if not dated:
        raise BadInput("nothing to plot: the archive has no dated releases")
    return dated


def month_range(first: str, last: str) -> list[str]:
    """Every YYYY-MM from ``first`` to ``last`` inclusive.

    >>> month_range("2023-11", "2024-02")
    ['2023-11', '2023-12', '2024-01', '2024-02']
    """
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def plot_months(
    months: Mapping[str, Mapping[str, int]], path: str | os.PathLike[str], *, title: str = ""
) -> Path:
    """Write a line chart of releases per month, one line per source; return its path.

    The format is the one ``path``'s ending names (chart_format): PNG, SVG or PDF.

    ``months`` is ``Archive.stats()["months"]``: {source: {"YYYY-MM": n}};
    the "unknown" month (undated releases) is left out and counted in the subtitle.
    """
    fmt = chart_format(path)
    try:
        import matplotlib
    except ImportError:
        raise BadInput("--plot needs matplotlib: pip install 'pressroom[plot]'") from None
    matplotlib.use("Agg")  # no display needed; must precede pyplot
    import matplotlib.pyplot as plt

    dated = dated_months(months)
    axis = month_range(dated[0], dated[-1])
    undated = sum(counts.get("unknown", 0) for counts in months.values())
    figure, ax = plt.subplots(figsize=(max(8.0, min(24.0, len(axis) * 0.25)), 4.5), dpi=100)
    for source in sorted(months):
        counts = months[source]
        ax.plot(
            range(len(axis)),
            [counts.get(m, 0) for m in axis],
            marker="o",
            markersize=3,
            linewidth=1.2,
            label=source,
        )
    step = max(1, len(axis) // 24)
    ax.set_xticks(range(0, len(axis), step), axis[::step], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("releases per month")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, ncols=min(4, len(months)))
    subtitle = f"{axis[0]} to {axis[-1]}" + (f"; {undated} undated not shown" if undated else "")
    ax.set_title(f"{title}\n{subtitle}" if title else subtitle, fontsize=10)
    figure.tight_layout()
    target = Path(path)
    # No software/date metadata, and SVG ids from a fixed salt rather than a random
    # one: the same archive draws the same bytes.
    with matplotlib.rc_context({"svg.hashsalt": "pressroom"}):
        figure.savefig(target, format=fmt, metadata=FORMATS["." + fmt])
    plt.close(figure)
    return target
