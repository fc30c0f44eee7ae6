"""The default word model fits and generates without loading transformers' model classes or
torch's compiler: those imports cost seconds of every `amalgam-rel synth` and serve only
``--llm`` models and transformers' own sampling loop (issue 22)."""

import json
import subprocess
import sys

SCRIPT = """
import json, sys
import duckdb
from amalgam_rel.generation.sample_db import make_shop
from amalgam_rel.generation.text_model import TextFieldModel

con = duckdb.connect(sys.argv[1]); make_shop(con, rows=60); con.close()
model = TextFieldModel(seed=0).fit(sys.argv[1], columns={"products": ["description", "code"]})
values = model.generate("products", {"category": ["fruit"] * 4, "price": [1.0, 2.0, 3.0, 4.0]})
heavy = ["transformers.modeling_utils", "transformers.processing_utils", "torch._dynamo",
         "outlines_core.kernels.torch"]
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules], "values": values["description"]}))
"""


def test_word_model_loads_no_model_classes_nor_compiler(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "shop.duckdb")], capture_output=True,
                          text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["loaded"] == []
    assert len(result["values"]) == 4 and all(isinstance(v, str) for v in result["values"])
