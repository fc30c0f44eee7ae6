"""A saved model gives no real value back (issue #21 item 4).

Until then ``text_model.json`` held ``sha256(casefold(value))[:20]`` of every real text value a
single row holds: hashing the 2,000 candidates of a small SSN space against it recovered every
real SSN at once. The attack here hashes every candidate under many plausible schemes and looks
for the digests, and for the values themselves, in every file of the model directory.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
import string
import struct
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from amalgam_rel.cli import app
from amalgam_rel.errors import InputError
from amalgam_rel.generation.copy_guard import CopyGuard
from amalgam_rel.generation.output_types import build_spec
from amalgam_rel.generation.patterns import learn_pattern
from amalgam_rel.generation.text_model import TextFieldModel
from amalgam_rel.generation.tokenizer import train_tokenizer
from amalgam_rel.pipeline.database_model import DatabaseModel
from amalgam_rel.schema.types import parse_type

FIRSTS = ["Anna", "Ben", "Carla", "Dev", "Elif", "Farid", "Greta", "Hugo"]
# 40 surnames shared by a few rows each: most full names are one row's, so the column is text
SURNAMES = [a + b for a in ("Berg", "Costa", "Dahl", "Evans", "Fisch", "Garc", "Hadd", "Jens") for b in ("er", "ia", "on", "ski", "ard")]
SSN_SPACE = [f"{a:03d}-{b:02d}-{c:04d}" for a in range(500, 505) for b in range(10, 14) for c in range(1000, 1100)]
N_ROWS = 200


def _rare_surnames(rng: np.random.Generator, n: int) -> list[str]:
    """Made-up surnames no other row (and no English word) shares."""
    out: set[str] = set()
    while len(out) < n:
        out.add("Q" + "".join(rng.choice(list(string.ascii_lowercase), size=9)))
    return sorted(out)


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    """200 people: a distinct SSN each, most names one row's, six surnames no other row has."""
    rng = np.random.default_rng(21)
    path = tmp_path_factory.mktemp("disclosure") / "people.duckdb"
    ssns = [str(s) for s in rng.choice(SSN_SPACE, size=N_ROWS, replace=False)]
    rare = _rare_surnames(rng, 6)
    names = [f"{rng.choice(FIRSTS)} {rng.choice(SURNAMES)}" for _ in range(N_ROWS)]
    for i, surname in enumerate(rare):
        names[i * 30] = f"{rng.choice(FIRSTS)} {surname}"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, dept VARCHAR NOT NULL, age INTEGER, "
                "name VARCHAR NOT NULL, ssn VARCHAR NOT NULL)")
    con.executemany("INSERT INTO person VALUES (?, ?, ?, ?, ?)",
                    [(i, str(rng.choice(["sales", "ops", "it"])), int(rng.integers(20, 65)), names[i], ssns[i])
                     for i in range(N_ROWS)])
    con.close()
    return {"path": path, "ssns": ssns, "rare": rare, "names": names}


@pytest.fixture(scope="module")
def fitted(people, tmp_path_factory):
    """Fitted once: sampled in the fitting process (as `synth` does), then saved."""
    out = tmp_path_factory.mktemp("fitted")
    model = DatabaseModel(seed=0, iters=100, text_steps=60).fit(people["path"])
    report = model.sample(out / "synth.duckdb", seed=3)
    model.save(out / "model")
    return {"model": model, "report": report, "synth": out / "synth.duckdb", "dir": out / "model", "tmp": out}


# -- the attack -------------------------------------------------------------------------------


def model_texts(directory: Path) -> list[str]:
    """Every string a model directory holds: text files, the JSON and text arrays inside ``.npz``
    files, the header of ``.safetensors`` files (the rest is float weights)."""
    texts = []
    for file in sorted(p for p in directory.rglob("*") if p.is_file()):
        raw = file.read_bytes()
        if file.suffix == ".npz":
            with np.load(file, allow_pickle=False) as npz:
                for key in npz.files:
                    a = npz[key]
                    if a.dtype.kind in "US":
                        texts.append("\n".join(map(str, a.ravel().tolist())))
                    elif a.dtype == np.uint8:
                        texts.append(a.tobytes().decode("utf-8", "replace"))
                    elif a.dtype.kind in "iu":
                        texts.append(" ".join(map(str, a.ravel().tolist())))
        elif file.suffix == ".safetensors":
            (size,) = struct.unpack("<Q", raw[:8])
            texts.append(raw[8 : 8 + size].decode("utf-8"))
        else:
            texts.append(raw.decode("utf-8", "replace"))
    return texts


_NORMALISE = {
    "raw": lambda v: v, "casefold": str.casefold, "lower": str.lower, "upper": str.upper,
    "folded": lambda v: " ".join(v.casefold().split()), "digits": lambda v: re.sub(r"\D", "", v),
}
_HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s", "sha3_256", "sha3_512")


def candidate_digests(candidates: list[str]) -> dict[str, str]:
    """The first 8 bytes (as hex) of every candidate's digest under every scheme -> the candidate."""
    table = {}
    for value in candidates:
        for normal in _NORMALISE.values():
            data = normal(value).encode("utf-8")
            for name in _HASHES:
                table[hashlib.new(name, data).hexdigest()[:16]] = value
    return table


def found_byte_strings(texts: list[str]) -> list[bytes]:
    """Every hex or base64 string in the texts, as the bytes it spells."""
    out = []
    for text in texts:
        for token in re.findall(r"[0-9a-fA-F]{16,}", text):
            out.append(binascii.unhexlify(token[: len(token) // 2 * 2]))
        for token in re.findall(r"[A-Za-z0-9+/_-]{20,}={0,2}", text):
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    out.append(decode(token + "=" * (-len(token) % 4)))
                except (binascii.Error, ValueError):
                    pass
    return out


def brute_force(directory: Path, candidates: list[str]) -> set[str]:
    table = candidate_digests(candidates)
    strings = found_byte_strings(model_texts(directory))
    # a digest may be stored whole or cut short (the old guard kept 20 hex digits), at any offset
    return {table[s[i : i + 8].hex()] for s in strings for i in range(0, len(s) - 7) if s[i : i + 8].hex() in table}


def test_the_attack_recovers_values_from_an_unkeyed_digest_file(tmp_path):
    """The attack works: what the model directory held before issue #21 gives every value back."""
    real = ["501-11-1042", "503-12-1077"]
    (tmp_path / "text_model.json").write_text(json.dumps(
        {"copy_guard": sorted(hashlib.sha256(" ".join(v.casefold().split()).encode()).hexdigest()[:20] for v in real)}))
    assert brute_force(tmp_path, SSN_SPACE) == set(real)


def test_a_saved_model_gives_no_real_value_to_a_brute_force_attack(people, fitted):
    candidates = SSN_SPACE + [f"{f} {s}" for f in FIRSTS for s in SURNAMES + people["rare"]]
    assert brute_force(fitted["dir"], candidates) == set()


def test_no_real_ssn_or_rare_value_occurs_in_any_file_of_the_model(people, fitted):
    blob = "\n".join(model_texts(fitted["dir"]))
    ssns = people["ssns"] + [s.replace("-", "") for s in people["ssns"]]
    rare = people["rare"] + [n for n in people["names"] if people["names"].count(n) == 1]
    assert [v for v in ssns + rare if v in blob] == []


# -- what the saved model may hold ------------------------------------------------------------


def test_learned_constraints_keep_no_string_that_one_row_alone_holds():
    """A literal every row shares is the column's domain; a value one row holds is a record."""
    drinks = [f"café au lait {n}" for n in range(1, 13)]  # one row each, the words shared by all
    pattern = learn_pattern(drinks)
    assert pattern.startswith("café au lait ") and not any(re.search(re.escape(d) + r"(?![0-9])", pattern) for d in drinks)
    orders = [[{"drink": "espresso"}, {"drink": "latte"}]] * 10 + [[{"drink": "café au lait 12"}], [{"drink": "Mr Qzxv's brew"}]]
    spec = build_spec("orders", parse_type("STRUCT(drink VARCHAR)[]"), orders)
    saved = json.dumps(spec.to_dict(), ensure_ascii=False)
    assert "espresso" in saved and "latte" in saved  # shared values stay the column's vocabulary
    assert "café au lait 12" not in saved and "Qzxv" not in saved


def test_no_token_spells_a_name_one_row_alone_holds():
    corpus = ["the red apple", "a green pear", "fresh fruit daily"] * 30 + ["Mr Quentavius Brightwater"]
    vocabulary = train_tokenizer(corpus, 512).get_vocab()
    assert not [t for t in vocabulary if "Quent" in t or "Brightw" in t]
    assert any("apple" in t for t in vocabulary)  # shared words still become tokens


def test_phone_and_postcode_formats_are_saved_only_where_several_values_share_them(tmp_path):
    """The masks a phone or postcode column is generated from are formats of two distinct real
    values or more; a format one row alone writes (with its number) stays out of the model."""
    rng = np.random.default_rng(4)
    phones = [f"+44 20 {rng.integers(1000, 9999)} {rng.integers(1000, 9999)}" for _ in range(60)] + ["+1 (555) 010-4242"]
    codes = [f"{rng.choice(list('NEWS'))}{rng.integers(1, 9)} {rng.integers(1, 9)}{rng.choice(list('ABJX'))}Q"
             for _ in range(60)] + ["K-1234"]
    path = tmp_path / "contacts.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE contact (id INTEGER PRIMARY KEY, country VARCHAR NOT NULL, phone VARCHAR NOT NULL, "
                "postal_code VARCHAR NOT NULL, age INTEGER)")
    con.executemany("INSERT INTO contact VALUES (?, ?, ?, ?, ?)",
                    [(i, "UK" if i < 60 else "USA", phones[i], codes[i], int(rng.integers(20, 65))) for i in range(61)])
    con.close()
    DatabaseModel(seed=0, iters=100).fit(path).save(tmp_path / "model")
    blob = "\n".join(model_texts(tmp_path / "model"))
    assert "+44 ## #### ####" in blob and "?# #??" in blob  # the shared formats
    assert "(###) ###-####" not in blob and "?-####" not in blob  # the USA row's own
    assert [v for v in phones + codes if v in blob] == []


def test_the_copy_guard_is_keyed_per_guard_and_never_pickled():
    import pickle

    a, b = CopyGuard.from_values(["501-11-1042"]), CopyGuard.from_values(["501-11-1042"])
    assert a.is_copy("501-11-1042 ") and b.is_copy("501-11-1042") and a._digests != b._digests
    with pytest.raises(TypeError, match="not saved"):
        pickle.dumps(a)
    assert copy.deepcopy(a).is_copy("501-11-1042")  # a model copied inside the process keeps its guard


# -- the guard where the real values are ------------------------------------------------------


def _column(path: Path, sql: str) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute(sql).fetchall()]
    finally:
        con.close()


def _singletons(path: Path) -> set[str]:
    return {v for c in ("name", "ssn") for v in _column(path, f"SELECT {c} FROM person GROUP BY ALL HAVING count(*) = 1")}


def test_synth_in_one_process_still_refuses_verbatim_copies(people, fitted):
    """Fit and sample in one process: the guard holds every value one real row holds, and no
    generated value repeats one (a tenth of the model's first SSN draws are real ones)."""
    singletons = _singletons(people["path"])
    # (`name` is a person's name: Faker writes it, never the language model, so only `ssn` is guarded)
    assert fitted["model"].tables_["person"].text_columns == ("ssn",)
    assert len(fitted["model"].text_.guard_) == len({v for v in singletons if v in set(people["ssns"])})
    written = {v for c in ("name", "ssn") for v in _column(fitted["synth"], f"SELECT {c} FROM person")}
    assert written & singletons == set()
    assert fitted["report"].text["person.ssn"]["output_copies"] == 0


def test_a_loaded_model_screens_text_only_against_the_guard_source(people, fitted):
    loaded = DatabaseModel.load(fitted["dir"])
    assert loaded.text_unscreened and loaded.text_.guard_ is None
    loaded.sample(fitted["tmp"] / "unscreened.duckdb", seed=3)  # allowed, and said by the CLI (below)
    loaded.screen_text(people["path"])
    assert not loaded.text_unscreened
    # the rebuilt guard refuses exactly what the fitting process's guard refused
    real = people["names"] + people["ssns"]
    assert [loaded.text_.guard_.is_copy(v) for v in real] == [fitted["model"].text_.guard_.is_copy(v) for v in real]
    assert len(loaded.text_.guard_) == len(fitted["model"].text_.guard_)
    loaded.sample(fitted["tmp"] / "screened.duckdb", seed=3)
    written = {v for c in ("name", "ssn") for v in _column(fitted["tmp"] / "screened.duckdb", f"SELECT {c} FROM person")}
    assert written & _singletons(people["path"]) == set()


def test_the_rebuilt_guard_reads_the_rows_the_fit_read(people):
    """A table larger than ``max_rows_per_column`` is learned from a sample of its rows; the guard
    rebuilt at sampling time holds the values of those same rows."""
    model = TextFieldModel(train_steps=10, max_rows_per_column=50, seed=4).fit(people["path"], columns={"person": ["ssn"]})
    held = [model.guard_.is_copy(v) for v in people["ssns"]]
    assert sum(held) == 50
    model.guard_ = None
    model.screen_against(people["path"])
    assert [model.guard_.is_copy(v) for v in people["ssns"]] == held


def test_a_guard_source_that_is_not_the_fitted_database_is_refused(people, fitted, tmp_path):
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute(f"ATTACH '{people['path']}' AS src (READ_ONLY)")
    con.execute("CREATE TABLE person AS SELECT * FROM src.person LIMIT 20")
    con.close()
    with pytest.raises(InputError, match="not the database the model was fitted on: table person has 20 rows"):
        DatabaseModel.load(fitted["dir"]).screen_text(other)
    con = duckdb.connect(str(other))
    con.execute("ALTER TABLE person DROP COLUMN ssn")
    con.close()
    with pytest.raises(InputError, match="no column person.ssn"):
        DatabaseModel.load(fitted["dir"]).text_.screen_against(other)


def test_cli_sample_says_when_text_is_not_screened(people, fitted):
    runner = CliRunner()
    plain = runner.invoke(app, ["sample", str(fitted["dir"]), "-o", str(fitted["tmp"] / "cli_a.duckdb")])
    assert plain.exit_code == 0, plain.output
    assert "not screened against real values" in plain.output
    guarded = runner.invoke(app, ["sample", str(fitted["dir"]), "-o", str(fitted["tmp"] / "cli_b.duckdb"),
                                  "--guard-source", str(people["path"])])
    assert guarded.exit_code == 0, guarded.output
    assert "not screened" not in guarded.output
    missing = runner.invoke(app, ["sample", str(fitted["dir"]), "-o", str(fitted["tmp"] / "cli_c.duckdb"),
                                  "--guard-source", str(fitted["tmp"] / "nothing.duckdb")])
    assert missing.exit_code == 2 and "database file not found" in missing.output
