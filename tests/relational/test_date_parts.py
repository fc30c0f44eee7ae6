"""A date dimension: a UNIQUE calendar of consecutive days, columns read off each day, and an
integer key that spells the day. Drawn from a model, the 730 days collided (``cannot make ['d']
unique``) and a day's month, weekday and key disagreed with it."""

import pytest

from amalgam_rel.relational.database_model import DatabaseModel

from .conftest import ITERS, query

DDL = """
CREATE TABLE date_dim (date_key INTEGER PRIMARY KEY, d DATE NOT NULL UNIQUE, year SMALLINT, month TINYINT,
                       month_name VARCHAR, quarter INTEGER, dow INTEGER, day_name VARCHAR, weekend BOOLEAN,
                       holiday BOOLEAN);
INSERT INTO date_dim SELECT strftime(d, '%Y%m%d')::INTEGER, d, year(d), month(d), monthname(d), quarter(d), isodow(d),
                            dayname(d), isodow(d) >= 6, (hash(d) % 30) = 0
                     FROM (SELECT DATE '2021-01-01' + i::INTEGER AS d FROM range(730) t(i));
CREATE TABLE sale (id INTEGER PRIMARY KEY, date_key INTEGER NOT NULL REFERENCES date_dim(date_key),
                   sold_at TIMESTAMP, hour INTEGER, amount DOUBLE);
INSERT INTO sale SELECT i, strftime(DATE '2021-01-01' + (hash(i) % 730)::INTEGER, '%Y%m%d')::INTEGER, ts, hour(ts),
                        (hash(i * 7) % 10000) / 100
                 FROM (SELECT i, TIMESTAMP '2021-01-01' + to_minutes((hash(i * 3) % 1000000)::INTEGER) AS ts FROM range(3000) t(i));
"""


@pytest.fixture(scope="module")
def calendar(tmp_path_factory):
    import duckdb

    path = tmp_path_factory.mktemp("dates") / "dates.duckdb"
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.close()
    model = DatabaseModel(seed=0, iters=ITERS).fit(path)
    out = path.with_name("synth.duckdb")
    model.sample(out)
    return path, out, model


def test_the_calendar_is_every_day_once(calendar):
    _, out, _ = calendar
    assert query(out, "SELECT count(*), count(DISTINCT d), min(d)::VARCHAR, max(d)::VARCHAR FROM date_dim") == \
        [(730, 730, "2021-01-01", "2022-12-31")]


def test_every_column_read_off_a_day_agrees_with_it(calendar):
    _, out, model = calendar
    assert query(out, """SELECT avg((year = year(d) AND month = month(d) AND month_name = monthname(d)
                                     AND quarter = quarter(d) AND dow = isodow(d) AND day_name = dayname(d)
                                     AND weekend = (isodow(d) >= 6) AND date_key = strftime(d, '%Y%m%d')::INTEGER)::INT)
                         FROM date_dim""") == [(1.0,)]
    assert query(out, "SELECT avg((hour = hour(sold_at))::INT) FROM sale WHERE sold_at IS NOT NULL") == [(1.0,)]
    parts = {p.column: p.part for p in model.tables_["date_dim"].date_parts}
    assert parts["dow"] == "weekday_monday_1" and parts["date_key"] == "yyyymmdd" and "holiday" not in parts
    # every sale still finds its day
    assert query(out, "SELECT count(*) FROM sale JOIN date_dim USING (date_key)") == [(3000,)]


def test_date_parts_survive_saving(calendar, tmp_path):
    from amalgam_rel.relational.persistence import load_database_model, save_database_model

    _, _, model = calendar
    save_database_model(model, tmp_path / "m")
    again = load_database_model(tmp_path / "m")
    assert again.tables_["date_dim"].date_parts == model.tables_["date_dim"].date_parts
    out = tmp_path / "again.duckdb"
    again.sample(out)
    assert query(out, "SELECT avg((date_key = strftime(d, '%Y%m%d')::INTEGER)::INT) FROM date_dim") == [(1.0,)]
