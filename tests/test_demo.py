"""`pressroom demo`, the README's first command, run as a user would."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from storage import Archive


def test_demo_serves_crawls_and_searches(cli, tmp_path):
    result = cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # The counts agree: 36 releases and 8 French versions are the 44 stored (it said
    # "36 releases", then "44 new", a review).
    assert (
        "serving a sample site of 36 releases, 8 of them also in French (44 release pages),"
        " at http://127.0.0.1:" in out
    )
    assert "run 1 demo: ok - 44 new" in out
    assert "search 'refugees':" in out
    db = tmp_path / "pressroom-demo.db"
    with Archive(db, readonly=True) as archive:
        assert archive.stats()["articles"] == 44
        assert archive.search("refugees")
        pages = len(list(archive.pages()))

    # A rerun serves the site on another port: into the same archive it stored every
    # release again under new URLs (0 new, 44 duplicates; the pages table doubled).
    again = cli("demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("replacing the previous demo archive pressroom-demo.db\n")
    assert "run 1 demo: ok - 44 new" in again.stdout
    with Archive(db, readonly=True) as archive:
        assert archive.stats()["articles"] == 44
        assert len(list(archive.pages())) == pages


def test_the_demo_does_not_replace_another_archive(cli, tmp_path):
    db = tmp_path / "mine.db"
    with Archive(db) as archive:
        archive.finish_run(archive.start_run("mysite", {}), "ok", {})
    before = db.read_bytes()
    result = cli("demo", "--db", str(db), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {db} holds other sources than the demo's (mysite): give the demo another --db\n"
    )
    assert db.read_bytes() == before


def test_a_previous_demo_archive_that_cannot_be_removed_is_one_line(cli, tmp_path):
    # An immutable file (or another user's in a sticky folder such as /tmp) made
    # "unexpected PermissionError: [Errno 1] Operation not permitted: 'd.db'".
    db = tmp_path / "d.db"
    with Archive(db) as archive:
        archive.finish_run(archive.start_run("demo", {}), "ok", {})
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(db)]).returncode != 0:
        pytest.skip("needs chattr +i (root, and a filesystem that has the flag)")
    try:
        before = db.read_bytes()
        result = cli("demo", "--db", str(db), cwd=tmp_path)
    finally:
        subprocess.run([chattr, "-i", str(db)], check=True)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr == (
        f"Error: cannot replace the previous demo archive {db}: Operation not permitted; "
        "give the demo another --db\n"
    )
    assert db.read_bytes() == before


def test_the_bundled_site_is_what_the_generator_renders():
    # A generator change must come with `python -m fixtures.demo.bundle`.
    from fixtures.demo.bundle import render
    from pressroom.demo_site import _bundle

    assert _bundle() == render()


def test_the_bundled_server_answers_conditional_requests():
    import urllib.error
    import urllib.request

    from pressroom.demo_site import serve

    with serve() as server:
        with urllib.request.urlopen(server.url + "/sitemap.xml") as response:
            etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
            assert server.url + "/sitemaps/" in response.read().decode()
        for header, value in (("If-None-Match", etag), ("If-Modified-Since", modified)):
            request = urllib.request.Request(server.url + "/sitemap.xml", headers={header: value})
            try:
                urllib.request.urlopen(request)
                raise AssertionError(f"{header} got a 200")
            except urllib.error.HTTPError as exc:
                assert exc.code == 304
        try:
            urllib.request.urlopen(server.url + "/no/such/page")
            raise AssertionError("a missing page got a 200")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
