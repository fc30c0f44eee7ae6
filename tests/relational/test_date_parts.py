"""A date dimension: a UNIQUE calendar of consecutive days, columns read off each day, and an
integer key that spells the day. Drawn from a model, the 730 days collided (``cannot make ['d']
unique``) and a day's month, weekday and key disagreed with it. Also: counters from an origin
(julian days, month numbers), columns that are a lookup of the weekday or month (``'Y'`` on
weekends, day names in German), and a daily series whose days no constraint declares unique."""

import pytest

from amalgam_rel.pipeline.database_model import DatabaseModel

from .conftest import ITERS, query

DDL = """
CREATE TABLE date_dim (date_key INTEGER PRIMARY KEY, d DATE NOT NULL UNIQUE, year SMALLINT, month TINYINT,
                       month_name VARCHAR, quarter INTEGER, dow INTEGER, day_name VARCHAR, weekend BOOLEAN,
                       holiday BOOLEAN, julian BIGINT, month_seq INTEGER, week_end VARCHAR, tag VARCHAR,
                       quarter_name VARCHAR);
INSERT INTO date_dim SELECT strftime(d, '%Y%m%d')::INTEGER, d, year(d), month(d), monthname(d), quarter(d), isodow(d),
                            dayname(d), isodow(d) >= 6, (hash(d) % 30) = 0, (d - DATE '1970-01-01') + 2440588,
                            year(d) * 12 + month(d) - 24000, CASE WHEN isodow(d) >= 6 THEN 'Y' ELSE 'N' END,
                            (['Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa', 'So'])[isodow(d)], year(d) || 'Q' || quarter(d)
                     FROM (SELECT DATE '2021-01-01' + i::INTEGER AS d FROM range(730) t(i));
CREATE TABLE daily (day DATE, visits INTEGER, note VARCHAR, opens TIME, opens_hour INTEGER);
INSERT INTO daily SELECT d, (hash(d) % 100 + CASE WHEN month(d) IN (6, 7, 8) THEN 400 ELSE 0 END)::INTEGER, NULL,
                         t, hour(t)
                  FROM (SELECT DATE '2023-03-01' + i::INTEGER AS d,
                               TIME '06:00:00' + to_minutes((hash(i * 5) % 600)::INTEGER) AS t FROM range(400) t(i));
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
                                     AND weekend = (isodow(d) >= 6) AND date_key = strftime(d, '%Y%m%d')::INTEGER
                                     AND julian = (d - DATE '1970-01-01') + 2440588
                                     AND month_seq = year(d) * 12 + month(d) - 24000
                                     AND week_end = CASE WHEN isodow(d) >= 6 THEN 'Y' ELSE 'N' END
                                     AND tag = (['Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa', 'So'])[isodow(d)]
                                     AND quarter_name = year(d) || 'Q' || quarter(d))::INT)
                         FROM date_dim""") == [(1.0,)]
    assert query(out, "SELECT avg((hour = hour(sold_at))::INT) FROM sale WHERE sold_at IS NOT NULL") == [(1.0,)]
    parts = {p.column: p.part for p in model.tables_["date_dim"].rules["date_parts"]}
    assert parts["dow"] == "weekday_monday_1" and parts["date_key"] == "yyyymmdd" and "holiday" not in parts
    assert parts["julian"] == "day_number" and parts["month_seq"] == "month_number"
    assert parts["week_end"] == parts["tag"] == "weekday_monday_0"  # lookups
    # every sale still finds its day
    assert query(out, "SELECT count(*) FROM sale JOIN date_dim USING (date_key)") == [(3000,)]


def test_date_parts_survive_saving(calendar, tmp_path):
    _, _, model = calendar
    model.save(tmp_path / "m")
    again = type(model).load(tmp_path / "m")
    assert again.tables_["date_dim"].rules["date_parts"] == model.tables_["date_dim"].rules["date_parts"]
    out = tmp_path / "again.duckdb"
    again.sample(out)
    assert query(out, "SELECT avg((date_key = strftime(d, '%Y%m%d')::INTEGER)::INT) FROM date_dim") == [(1.0,)]


def test_an_undeclared_daily_series_stays_one_row_a_day(calendar):
    _, out, model = calendar
    assert query(out, "SELECT count(*), count(DISTINCT day), min(day)::VARCHAR, max(day)::VARCHAR FROM daily") == \
        [(400, 400, "2023-03-01", "2024-04-03")]
    assert "day" in model.tables_["daily"].keys
    assert query(out, "SELECT avg((opens_hour = hour(opens))::INT) FROM daily") == [(1.0,)]  # an hour of a TIME
    # the rest of a row is drawn given its day: summer stays busy
    summer, rest = query(out, """SELECT avg(visits) FILTER (month(day) IN (6, 7, 8)),
                                        avg(visits) FILTER (month(day) NOT IN (6, 7, 8)) FROM daily""")[0]
    assert summer > 350 and rest < 100, (summer, rest)


def test_a_nearly_constant_column_is_no_lookup():
    import datetime as dt

    import pyarrow as pa

    from amalgam_rel.relational.date_parts import find_date_parts

    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(700)]
    flag = ["N"] * 699 + ["Y"]  # a function of the weekday in 699 of 700 rows, and of anything else too
    few = [d.strftime("%a") for d in days[:40]]  # 40 rows over 7 weekdays: too few to believe a lookup
    t = pa.table({"d": days, "flag": flag, "wd": [d.strftime("%a").upper() for d in days]})
    assert [(p.column, p.part) for p in find_date_parts(t, ["d"], ["flag", "wd"])] == [("wd", "weekday_monday_0")]
    small = pa.table({"d": days[:40], "wd": [w.upper() for w in few]})
    assert find_date_parts(small, ["d"], ["wd"]) == ()


def _half_dated(tmp_path, nullable: bool):
    """``month`` is the month name of ``day`` where there is a day, and 'unknown' or 'n/a' where not."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa

    from .conftest import synthesized

    rng = np.random.default_rng(7)
    n = 400
    day = [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 900, n)]
    unset = rng.random(n) < 0.3
    month = np.where(unset, rng.choice(["unknown", "n/a"], n, p=[0.8, 0.2]), [d.strftime("%B") for d in day]).astype(object)
    ddl = f"CREATE TABLE visit (id INTEGER PRIMARY KEY, day DATE, month VARCHAR{'' if nullable else ' NOT NULL'});"
    return synthesized(tmp_path, ddl, {"visit": {"id": np.arange(n), "day": pa.array(day, mask=unset), "month": month}})


@pytest.mark.parametrize("nullable", [False, True], ids=["not-null", "nullable"])
def test_a_part_that_holds_only_where_its_date_is_set_keeps_its_own_values_elsewhere(tmp_path, nullable):
    # NOT NULL: written NULL where the day is ('NOT NULL constraint failed'); nullable: 'unknown' was lost
    _, model, out = _half_dated(tmp_path, nullable)
    part, = model.tables_["visit"].rules["date_parts"]
    assert (part.part, part.only_where_set) == ("month_name", True)
    (dated, agree, undated, own), = query(out, """SELECT count(day), count(*) FILTER (WHERE month = monthname(day)),
        count(*) FILTER (WHERE day IS NULL), count(*) FILTER (WHERE day IS NULL AND month IN ('unknown', 'n/a')) FROM visit""")
    assert dated > 0 and agree == dated
    assert undated > 0 and own == undated


def test_a_not_null_part_of_a_date_drawn_as_a_gap_to_a_sometimes_missing_date_is_never_null(tmp_path):
    """``shipped`` follows ``ordered`` (a gap of weeks) and is never NULL, but ``ordered`` is on
    0.8 % of the rows: there the gap gives no date, and the NOT NULL year of ``shipped`` was
    written NULL. It keeps its models for those rows."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa

    from .conftest import synthesized

    rng = np.random.default_rng(8)
    n = 1500
    ordered = rng.integers(0, 1500, n)
    shipped = [dt.date(2018, 1, 1) + dt.timedelta(days=int(d)) for d in ordered + rng.integers(1, 60, n)]
    lost = rng.random(n) < 0.008
    ddl = "CREATE TABLE parcel (id INTEGER PRIMARY KEY, ordered DATE, shipped DATE, ship_year INTEGER NOT NULL);"
    _, model, out = synthesized(tmp_path, ddl, {"parcel": {
        "id": np.arange(n), "ordered": pa.array([dt.date(2018, 1, 1) + dt.timedelta(days=int(d)) for d in ordered], mask=lost),
        "shipped": shipped, "ship_year": [d.year for d in shipped]}})
    table = model.tables_["parcel"]
    assert [(o.column, o.anchor) for o in table.rules["offsets"]] == [("shipped", "ordered")]
    assert [(p.column, p.only_where_set) for p in table.rules["date_parts"]] == [("ship_year", True)]
    (missing, agree, dated), = query(out, "SELECT count(*) FILTER (WHERE shipped IS NULL), "
                                          "count(*) FILTER (WHERE ship_year = year(shipped)), count(shipped) FROM parcel")
    assert missing > 0 and agree == dated
