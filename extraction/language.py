"""The language of a text, detected offline, checked against what the page declares.

    >>> detect("Les autorités doivent libérer sans délai les militants détenus et enquêter.")[0]
    'fr'
    >>> choose("The authorities must release the detained activists at once and open "
    ...        "an independent investigation into their arrest.", "fr")
    'en'

Detection uses py3langid, a naive Bayes model over byte n-grams (97 languages)
that ships inside the package: no network, no download at run time. The model
ships LZMA-compressed (4.6 MB), and unpacking it takes about half a second of
CPU in every crawl. So the first crawl on a machine unpacks it once into a
cache directory (68 MB; ``PRESSROOM_CACHE_DIR``, else ``$XDG_CACHE_HOME/pressroom``
or ``~/.cache/pressroom``), keyed on the model's content so that reinstalls
share it and older models' folders are removed once unused for a day, and
every process then maps those files read-only:
loading takes milliseconds, and the big tables live in the page cache, shared
by all extraction workers, with only the pages a text touches resident.
Where the cache cannot be written or read, the packaged model is loaded as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Any

# Below this many letters a text says too little to overrule the page.
MIN_LETTERS = 60
# Confidence (a probability) the detector needs to overrule a declared language.
OVERRULE = 0.9
# Detection reads at most this much text, and its cost grows with it. On the
# 178 articles of the extraction benchmark, 600 characters name the same
# language as 1200 on every page (and the same side of OVERRULE on all but
# one) in half the time (0.16 vs 0.32 ms a page).
SAMPLE = 600

# Cache folders of other models (older py3langid installs) unused this long are removed.
STALE_AFTER = 24 * 3600
# Bump when the files unpacked into a cache folder change.
CACHE_LAYOUT = 1

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
# What reading a damaged cache raises (numpy reports a bad header as ValueError).
_DAMAGED = (ValueError, KeyError, EOFError, zipfile.BadZipFile)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    try:
        return _mapped_identifier(LanguageIdentifier, Path(MODEL_DIR) / MODEL_FILE)
    except (OSError, TypeError, *_DAMAGED):
        # No writable cache (a read-only home, a full disk) or a damaged one.
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def prepare() -> bool:
    """Load the model now; True if it is memory-mapped from the cache (built if missing).

    >>> prepare()  # unpacks ~66 MB into the cache on first use  # doctest: +SKIP
    True

    Benchmarks call it first to keep the one-off unpacking out of their timings.
    """
    return isinstance(_identifier().tk_nextmove, memoryview)


def cache_dir() -> Path:
    """Where pressroom keeps files it can rebuild (the unpacked language model).

    >>> cache_dir().name  # doctest: +SKIP
    'pressroom'
    """
    chosen = os.environ.get("PRESSROOM_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pressroom"


def _mapped_identifier(identifier: Any, model: Path) -> Any:
    """py3langid's identifier over memory-mapped copies of its tables."""
    folder = _unpacked(model)
    try:
        return _load(identifier, folder)
    except _DAMAGED:
        # A damaged cache (a truncated file, a disk error): build it again, once.
        shutil.rmtree(folder, ignore_errors=True)
        return _load(identifier, _unpacked(model))


def _load(identifier: Any, folder: Path) -> Any:
    import numpy as np

    ptc = np.load(folder / "ptc.npy", mmap_mode="r", allow_pickle=False)
    with open(folder / "nextmove.bin", "rb") as f:
        nextmove = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)).cast("I")
    with np.load(folder / "small.npz", allow_pickle=False) as small:
        row = array("H", small["nextmove_row"].astype("=u2").tobytes())
        output = array("i", small["out_feat"].astype("=i4").tobytes())
        if len(nextmove) % 256 or len(nextmove) // 256 <= max(row, default=0):
            raise ValueError(f"{folder}: nextmove.bin is cut short")
        if len(output) != len(row) or ptc.shape[1] != len(small["pc"]):
            raise ValueError(f"{folder}: tables of different sizes")
        return identifier(
            ptc,
            small["pc"],
            small["classes"].tolist(),
            nextmove,
            output,
            norm_probs=True,
            tk_row=row,
        )


def _unpacked(model: Path) -> Path:
    """The cache folder holding ``model`` unpacked, made on first use.

    Named after the model's content (see _key), so an upgraded py3langid gets
    a fresh folder and a reinstall of the same one reuses it. Built in a
    temporary folder and renamed into place, so that two crawls starting
    together never read a half-written one. Folders of other models that no
    process has used for STALE_AFTER seconds are removed (see _prune).
    """
    import numpy as np

    folder = cache_dir() / f"langid-{_key(model)}"
    if (folder / "small.npz").exists():
        _mark_used(folder)
        _prune(folder)
        return folder
    if folder.exists():
        # Folders appear complete (renamed into place): this one was damaged.
        shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(".langid-*"):
        # A build killed midway (68 MB each); a live one takes about a second.
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=".langid-", dir=folder.parent))
    try:
        import lzma

        with tempfile.TemporaryFile(dir=building) as npz:
            with lzma.open(model) as packed:
                shutil.copyfileobj(packed, npz, length=1 << 20)
            npz.seek(0)
            with np.load(npz, allow_pickle=False) as data:
                np.save(building / "ptc.npy", data["ptc"])
                data["nextmove"].astype("=u4").tofile(building / "nextmove.bin")
                # Written last: its presence says the folder is complete.
                small = {k: data[k] for k in ("pc", "classes", "nextmove_row", "out_feat")}
                np.savez(building / "small.npz", **small)
        try:
            building.rename(folder)
        except OSError:
            if not (folder / "small.npz").exists():
                raise  # not "another crawl got there first"
    finally:
        shutil.rmtree(building, ignore_errors=True)
    _prune(folder)
    return folder


def _key(model: Path) -> str:
    """What names a cache folder: the model's bytes, the layout, this machine's byte order.

    Not the file's mtime: every install of py3langid (each new virtualenv, each
    ``pip install --force-reinstall``) gives the same model a new one, and each
    added another 68 MB folder. Hashing the 4.6 MB file takes about 4 ms.
    """
    with open(model, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    key = f"{CACHE_LAYOUT}:{model.stat().st_size}:{digest}:{sys.byteorder}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _mark_used(folder: Path) -> None:
    """Touch the folder (at most hourly) so that _prune elsewhere sees it is in use."""
    with contextlib.suppress(OSError):
        if time.time() - folder.stat().st_mtime > 3600:
            os.utime(folder)


def _prune(keep: Path) -> None:
    """Remove other ``langid-*`` folders unused for STALE_AFTER seconds (68 MB each).

    Another installed version may still use its folder: every process that
    loads it touches it (hourly), so only folders no process has loaded for a
    day go. Should one go while a process starts to load it anyway, that
    process unpacks it again, or reads the packaged model: never wrong, only
    slower. A process that has it mapped already keeps its copy.
    """
    now = time.time()
    for other in keep.parent.glob("langid-*"):
        if other == keep:
            continue
        with contextlib.suppress(OSError):
            if now - other.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(other, ignore_errors=True)


def detect(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of ``text``; (None, 0.0) when it is too short."""
    sample = text[:SAMPLE]
    if len(_LETTERS.findall(sample)) < MIN_LETTERS:
        return None, 0.0
    code, probability = _identifier().classify(sample)
    return code, float(probability)


def declared(value: str | None) -> str | None:
    """The ISO 639-1 part of a declared language ("en-GB", "fr_FR", "EN").

    >>> declared("en-GB"), declared("fr_FR"), declared(""), declared("x-default")
    ('en', 'fr', None, None)
    """
    match = re.match(r"\s*([a-zA-Z]{2,3})(?:$|[-_\s])", value or "")
    if not match or match.group(1).lower() in ("x", "und", "mul", "zxx"):
        return None
    return match.group(1).lower()


def choose(text: str, page_lang: str | None) -> str | None:
    """The language to store: the page's, unless the text clearly says otherwise.

    A page's ``lang`` is often a site-wide default (an English template around a
    French release), so a confident detection wins; a short or ambiguous text
    keeps the declared language; with no declaration the detection is used.
    """
    page = declared(page_lang)
    code, probability = detect(text)
    if code is None:
        return page
    if page is None or code == page:
        return code
    return code if probability >= OVERRULE else page
