"""`pressroom demo`, the README's first command, run as a user would."""

from __future__ import annotations

from storage import Archive


def test_demo_serves_crawls_and_searches(cli, tmp_path):
    result = cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "serving a sample site of 36 releases at http://127.0.0.1:" in out
    assert "run 1 demo: ok - 44 new" in out
    assert "search 'refugees':" in out
    db = tmp_path / "pressroom-demo.db"
    with Archive(db, readonly=True) as archive:
        assert archive.stats()["articles"] == 44
        assert archive.search("refugees")
