"""Loading and saving language models: local directories only, and nothing of transformers' own
chatter (progress bars, deprecation notices) on the user's terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import duckdb
import pytest

from amalgam_rel.errors import InputError
from amalgam_rel.generation.lm import load_pretrained, select_device


def _tiny_database(path):
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR)")
    con.execute("INSERT INTO notes SELECT i, 'note number ' || i || ' about ' || (i % 7) FROM range(60) t(i)")
    con.close()
    return path


def _offline_env() -> dict[str, str]:
    # were a hub still asked, it would be an address nothing listens on: refused at once, not retried for a minute
    return os.environ | {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_ETAG_TIMEOUT": "1", "HF_HUB_DOWNLOAD_TIMEOUT": "1"}


@pytest.mark.parametrize("command", ["synth", "fit"])
def test_an_llm_that_is_not_a_local_directory_is_one_line(tmp_path, command):
    source = _tiny_database(tmp_path / "real.duckdb")
    out = tmp_path / ("out.duckdb" if command == "synth" else "model")
    proc = subprocess.run([sys.executable, "-m", "amalgam_rel.cli", command, str(source), "-o", str(out), "--llm", "gpt2"],
                          capture_output=True, text=True, env=_offline_env())
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "--llm 'gpt2': no such local model directory (models are never downloaded" in lines[0]
    assert not out.exists()


def test_a_directory_without_a_model_is_refused_without_the_network(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="cannot load the language model"):
        load_pretrained(str(tmp_path / "empty"), select_device("cpu"))
    with pytest.raises(InputError, match="no such local model directory"):
        load_pretrained("openai-community/gpt2", select_device("cpu"))


SCRIPT = """
    from amalgam_rel.generation.text_model import TextFieldModel
    model = TextFieldModel(train_steps=5, seed=0).fit({source!r}, columns={{"notes": ["body"]}})
    model.generate("notes", n_rows=4)
    model.save({saved!r})
    TextFieldModel.load({saved!r}).generate("notes", n_rows=4)
    print("ok")
"""


def test_fit_generate_save_and_load_print_nothing_of_transformers(tmp_path):
    # a real process: pytest would catch the warnings itself, and transformers logs each notice once per process
    source = _tiny_database(tmp_path / "real.duckdb")
    script = textwrap.dedent(SCRIPT.format(source=str(source), saved=str(tmp_path / "saved")))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_offline_env())
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
    for noise in ("FutureWarning", "Writing model shards", "Loading weights", "loss_type", "deprecated"):
        assert noise not in proc.stderr, proc.stderr
