"""Speed of the semantic generator (values/s) on chinook's Customer columns: `python benchmarks/bench_semantic.py`."""
import time
import numpy as np
from amalgam_rel.generation.semantic.generate import SemanticColumn as S, generate
from amalgam_rel.relational.semantic_fill import row_locales
import pyarrow as pa
cols = [S("FirstName", "first_name"), S("LastName", "last_name"), S("Company", "company"), S("Address", "street_address"),
        S("City", "city"), S("State", "state", style="abbr"), S("PostalCode", "postcode"), S("Phone", "phone"),
        S("Fax", "phone"), S("Email", "email")]
countries = ['Canada', 'Denmark', 'USA', 'Portugal', 'France', 'Finland', 'Hungary', 'Italy', 'Netherlands', 'Poland', 'Spain',
             'United Kingdom', 'Argentina', 'Chile', 'India', 'Brazil', 'Germany', 'Norway', 'Czech Republic', 'Austria',
             'Belgium', 'Ireland', 'Sweden', 'Australia']
rng = np.random.default_rng(0)
n = 20000
locales = row_locales(pa.array(rng.choice(countries, n)), "country", n)
generate(cols, locales[:200], np.random.default_rng(1))  # Faker instances built once
t = time.perf_counter()
generate(cols, locales, np.random.default_rng(1))
dt = time.perf_counter() - t
print(f"{n} rows x {len(cols)} columns, 24 locales: {dt:.2f} s, {n * len(cols) / dt:,.0f} values/s")
