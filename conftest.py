"""Doctests of the shipped packages (``pytest --doctest-modules crawler storage``).

Examples that make files (``Archive("press.db")``) make them in a temporary
folder, and the language model's cache goes there too, never into ~/.cache.
The tests in tests/ have fixtures of their own (tests/conftest.py).
"""

from __future__ import annotations

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_in_a_temporary_folder(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if isinstance(request.node, DoctestItem):
        folder = request.getfixturevalue("tmp_path")
        monkeypatch.chdir(folder)
        monkeypatch.setenv("PRESSROOM_CACHE_DIR", str(folder / "cache"))
