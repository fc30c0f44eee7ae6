"""pytest plugin: a fresh synthetic database per test, from a saved model or a real source.

Installed with amalgam-rel (the ``pytest11`` entry point), it gives every test the fixture
``amalgam_db``, a factory (a shell over :class:`~amalgam_rel.api.synthesizer.Synthesizer`, as
the command line is)::

    def test_invoices_have_lines(amalgam_db):
        con = amalgam_db("models/chinook", rows={"Customer": 5})   # a DuckDB connection, in memory
        assert con.sql('SELECT count(*) FROM "Invoice"').fetchone()[0] > 0

``amalgam_db(model, *, rows=None, scale=1.0, seed=None, out=None, force=False, fit=None,
sidecar=None, where=())``:

- ``model``: a saved model directory (``amalgam-rel fit SRC -o DIR``), loaded once per session;
  or a DuckDB source file, fitted once with the Synthesizer parameters ``fit`` (a dict) and
  ``sidecar``, and saved in pytest's cache (``.pytest_cache/d/amalgam-rel``) under a digest of
  the file's bytes and those options, so later sessions only load it. A relative path is taken
  from pytest's root directory.
- ``rows``, ``scale``, ``where`` (a condition, or several, every row of its table meets:
  ``where="Customer.Country = 'Germany'"``): as ``Synthesizer.sample``; ``seed``: default, one
  derived from the test's node id (a stable digest), so each test gets its own database, the
  same at every run; a second call in one test gets the next one.
- ``out``: None, an in-memory DuckDB connection (closed after the test); a ``.duckdb`` path, a
  connection to that new file; any other ``-o`` location (``sqlite:PATH``, ``postgresql://…``,
  ``parquet:DIR``, ``jsonl:DIR``, ``x.sql``…), written there and its
  :class:`~amalgam_rel.api.sample.Sample` returned. ``{tmp}`` in ``out`` is the test's
  ``tmp_path``. ``force`` replaces what is there (a server schema reused between runs).

A bad argument fails the test with one line, no traceback.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import pytest

from amalgam_rel.errors import AmalgamError, InputError
from amalgam_rel.seeds import derived_seed

CACHE_FOLDER = "amalgam-rel"


class ModelCache:
    """The synthesizers of one session: each model directory loaded once, each source fitted once
    (into ``folder``, kept between sessions when it is pytest's cache)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.loaded: dict[tuple, object] = {}

    def synthesizer(self, model: Path, fit: dict, sidecar: Path | None):
        if model.is_dir():
            key = ("model", str(model.resolve()))
        elif model.is_file():
            key = ("source", _fit_key(model, fit, sidecar))
        else:
            raise InputError(f"{model} is neither a saved model directory nor a DuckDB source file")
        if key not in self.loaded:
            self.loaded[key] = self._load(model) if key[0] == "model" else self._fit(model, fit, sidecar, key[1])
        return self.loaded[key]

    def _load(self, model: Path):
        from amalgam_rel.api import Synthesizer

        return Synthesizer.load(model)

    def _fit(self, source: Path, fit: dict, sidecar: Path | None, key: str):
        from amalgam_rel.api import Synthesizer

        saved = self.folder / f"{source.stem}-{key}"
        if saved.is_dir():
            try:
                return Synthesizer.load(saved)
            except AmalgamError:  # saved by another version of amalgam-rel: fitted again below
                pass
        synth = Synthesizer(**fit).fit(source, sidecar=sidecar)
        try:
            synth.save(saved, force=saved.exists())
        except AmalgamError:  # a parallel worker saved the same model first: its copy is as good
            pass
        return synth


def _fit_key(source: Path, fit: dict, sidecar: Path | None) -> str:
    """A digest of what a fit depends on: the source's bytes, the options, the sidecar's text, and
    amalgam-rel's own code (a model that still loads after an upgrade may sample differently)."""
    digest = hashlib.sha256(_code_digest().encode())
    with source.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    digest.update(json.dumps(fit, sort_keys=True, default=repr).encode())
    if sidecar is not None:
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def _code_digest() -> str:
    """A digest of amalgam-rel's source files (its version alone misses an editable install's edits)."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def amalgam_models(request, tmp_path_factory) -> ModelCache:
    """The session's :class:`ModelCache`; its fits go to pytest's cache (or, with the cache
    switched off, ``-p no:cacheprovider``, to a temporary folder of this session)."""
    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir(CACHE_FOLDER) if cache is not None else tmp_path_factory.mktemp(CACHE_FOLDER)
    return ModelCache(Path(folder))


@pytest.fixture
def amalgam_db(request, tmp_path, amalgam_models):
    """``amalgam_db(model, *, rows=None, scale=1.0, seed=None, out=None, force=False, fit=None,
    sidecar=None, where=())``: a fresh synthetic database for this test (the module's docstring)."""
    opened = []
    calls = [0]

    def make(model, *, rows=None, scale=1.0, seed=None, out=None, force=False, fit=None, sidecar=None, where=()):
        root = request.config.rootpath
        if seed is None:  # the first call of a test gets its node id's seed, later ones the next ids'
            seed = derived_seed(f"{request.node.nodeid}#{calls[0]}" if calls[0] else request.node.nodeid)
        calls[0] += 1
        try:
            synth = amalgam_models.synthesizer(root / model, dict(fit or {}), root / sidecar if sidecar else None)
            return _sample(synth, out, tmp_path, opened, rows=rows, scale=scale, seed=seed, force=force, where=where)
        except AmalgamError as err:
            pytest.fail(f"amalgam_db: {err}", pytrace=False)

    yield make
    for con in opened:
        con.close()


def _sample(synth, out, tmp_path: Path, opened: list, **options):
    """``synth.sample`` into ``out`` (the fixture's forms); what the test gets back."""
    from amalgam_rel.connection import connect

    if out is None:
        con = connect()
        opened.append(con)
        synth.sample(con, **options)
        return con
    if isinstance(out, str):
        out = out.replace("{tmp}", str(tmp_path))
    sample = synth.sample(out, **options)
    if isinstance(sample.output, Path):  # a DuckDB file
        con = connect(sample.output)
        opened.append(con)
        return con
    return sample
