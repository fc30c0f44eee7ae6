"""A bridge table keeps both degree distributions and never repeats a pair (issue 6, property 2).

``enrollment (student_id, course_id)`` is the primary key, so DuckDB rejects a repeated pair on
insert: the synthetic database being written at all proves there is none. Course popularity
is steep (the top course has most students), which makes collisions frequent.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import create, degrees, fit, ks_complement, query, validity_violations

DDL = """
CREATE TABLE student (id INTEGER PRIMARY KEY, year INTEGER NOT NULL);
CREATE TABLE course (id INTEGER PRIMARY KEY, level INTEGER NOT NULL);
CREATE TABLE enrollment (student_id INTEGER NOT NULL REFERENCES student (id),
                         course_id INTEGER NOT NULL REFERENCES course (id),
                         grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 5),
                         PRIMARY KEY (student_id, course_id));
"""


def build(path):
    rng = np.random.default_rng(5)
    n_student, n_course = 400, 60
    year = rng.integers(1, 5, n_student)
    level = rng.integers(1, 4, n_course)
    popularity = 1 / np.arange(1, n_course + 1) ** 0.9
    popularity /= popularity.sum()
    # seniors take more courses; nobody takes the same course twice
    wanted = np.minimum(rng.poisson(1 + year), n_course)
    student = np.repeat(np.arange(n_student), wanted)
    course = np.concatenate([rng.choice(n_course, k, replace=False, p=popularity) for k in wanted])
    grade = np.clip(np.round(rng.normal(3 + 0.3 * (level[course] - 2), 1)), 1, 5).astype(np.int64)
    return create(path, DDL, {
        "student": {"id": np.arange(1, n_student + 1), "year": year},
        "course": {"id": np.arange(1, n_course + 1), "level": level},
        "enrollment": {"student_id": student + 1, "course_id": course + 1, "grade": grade},
    })


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bridge")
    real = build(folder / "real.duckdb")
    model = fit(real)
    synth = folder / "synth.duckdb"
    model.sample(synth)  # raises if DuckDB rejects a duplicate pair
    return real, model, synth


def test_no_pair_repeats_and_the_table_keeps_its_size(school):
    real, model, synth = school
    assert model.plan_.graph.bridges == ("enrollment",)
    total, pairs = query(synth, "SELECT count(*), count(DISTINCT (student_id, course_id)) FROM enrollment")[0]
    assert total == pairs == query(real, "SELECT count(*) FROM enrollment")[0][0]


@pytest.mark.parametrize("parent, fk", [("student", "student_id"), ("course", "course_id")])
def test_both_degree_distributions_are_kept(school, parent, fk):
    real, _, synth = school
    a = degrees(real, "enrollment", (fk,), parent, ("id",))
    b = degrees(synth, "enrollment", (fk,), parent, ("id",))
    assert ks_complement(a, b) >= 0.9, (np.sort(a), np.sort(b))
    assert 0.7 * a.max() <= b.max() <= 1.3 * a.max()


def test_a_students_course_count_still_follows_the_year(school):
    real, _, synth = school
    sql = ("SELECT s.year, avg(n) FROM student s JOIN (SELECT student_id, count(*) n FROM enrollment GROUP BY 1) e "
           "ON e.student_id = s.id GROUP BY 1 ORDER BY 1")
    real_means, synth_means = dict(query(real, sql)), dict(query(synth, sql))
    for year, mean in real_means.items():
        assert abs(synth_means[year] - mean) <= 0.2 * mean + 0.3, (year, mean, synth_means[year])


def test_synthetic_bridge_is_valid(school):
    real, _, synth = school
    assert validity_violations(real, synth) == []
