"""The language model, unpacked once into a cache and memory-mapped (extraction/language.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extraction import language

TEXTS = [
    "Les autorités doivent libérer sans délai les militants détenus et ouvrir une enquête.",
    "The authorities must release the detained activists at once and open an inquiry.",
    "Die Behörden müssen die festgenommenen Aktivisten sofort freilassen und ermitteln.",
    "Las autoridades deben liberar de inmediato a los activistas detenidos e investigar.",
    "Власти должны немедленно освободить задержанных активистов и провести расследование.",
]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """detect() with an empty cache directory of its own; the loaded model forgotten after."""
    monkeypatch.setenv("PRESSROOM_CACHE_DIR", str(tmp_path / "cache"))
    language._identifier.cache_clear()
    yield tmp_path / "cache"
    language._identifier.cache_clear()


def packaged():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_the_mapped_model_classifies_exactly_like_the_packaged_one(fresh: Path):
    reference = packaged()
    for text in TEXTS:
        assert language.detect(text) == pytest.approx(reference.classify(text))
    (folder,) = fresh.glob("langid-*")
    assert sorted(p.name for p in folder.iterdir()) == ["nextmove.bin", "ptc.npy", "small.npz"]
    assert isinstance(language._identifier().tk_nextmove, memoryview)  # mapped, not loaded


def test_a_second_process_reuses_the_cache(fresh: Path):
    language.detect(TEXTS[0])
    (folder,) = fresh.glob("langid-*")
    stamp = (folder / "nextmove.bin").stat().st_mtime_ns
    language._identifier.cache_clear()
    assert language.detect(TEXTS[1])[0] == "en"
    assert (folder / "nextmove.bin").stat().st_mtime_ns == stamp


def test_an_unwritable_cache_falls_back_to_the_packaged_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("PRESSROOM_CACHE_DIR", str(blocker / "cache"))
    language._identifier.cache_clear()
    try:
        assert language.detect(TEXTS[0])[0] == "fr"
        assert not isinstance(language._identifier().tk_nextmove, memoryview)
    finally:
        language._identifier.cache_clear()


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_a_damaged_cache_is_rebuilt(fresh: Path, damage: str):
    language.detect(TEXTS[0])
    (folder,) = fresh.glob("langid-*")
    table = folder / "nextmove.bin"
    if damage == "truncate":
        table.write_bytes(table.read_bytes()[:1000])  # would index out of range
    else:
        (folder / "small.npz").write_bytes(b"PK\x03\x04 not really a zip")
    language._identifier.cache_clear()
    assert language.detect(TEXTS[2])[0] == "de"
    assert isinstance(language._identifier().tk_nextmove, memoryview)
    assert table.stat().st_size > 1000


def test_an_interrupted_build_is_rebuilt(fresh: Path):
    language.detect(TEXTS[0])
    (folder,) = fresh.glob("langid-*")
    table = folder / "nextmove.bin"
    (folder / "small.npz").unlink()  # what an interrupted build would leave
    language._identifier.cache_clear()
    assert language.detect(TEXTS[3])[0] == "es"
    assert isinstance(language._identifier().tk_nextmove, memoryview)
    assert table.stat().st_size > 1000  # rebuilt whole


def test_a_build_killed_midway_is_cleaned_up_later(fresh: Path):
    import os

    fresh.mkdir(parents=True)
    old = fresh / ".langid-killed"
    old.mkdir()
    (old / "nextmove.bin").write_bytes(b"half")
    os.utime(old, (0, 0))  # long ago
    young = fresh / ".langid-building-now"
    young.mkdir()
    assert language.detect(TEXTS[0])[0] == "fr"
    assert not old.exists() and young.exists()
