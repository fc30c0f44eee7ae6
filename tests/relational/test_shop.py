"""Several parents, zero-child parents, a three-level chain and temporal order (issue 6, 1/6/7).

``orders`` has two parents: ``customer`` (driving: each customer's model samples how many
orders it has) and ``product`` (matched: every product keeps its sampled popularity).
"""

from __future__ import annotations

import numpy as np

from .conftest import ZONE_AMOUNT, column, degrees, ks_complement, query, validity_violations


def test_both_parents_keep_their_children_per_parent_distribution(shop):
    real, _, synth = shop
    for parent, fk in (("customer", "customer_id"), ("product", "product_id")):
        a = degrees(real, "orders", (fk,), parent, ("id",))
        b = degrees(synth, "orders", (fk,), parent, ("id",))
        score = ks_complement(a, b)
        assert score >= 0.9, f"orders per {parent}: KS complement {score:.3f}"
        # the heavy tail survives too: the most popular parent is about as popular
        assert 0.5 * a.max() <= b.max() <= 2 * a.max(), (parent, a.max(), b.max())


def test_the_driving_parent_sets_the_size_and_the_matched_one_spreads_it(shop):
    real, model, synth = shop
    assert model.plan_.tables["orders"].driver.ref_table == "customer"
    assert [fk.ref_table for fk in model.plan_.tables["orders"].matched] == ["product"]
    n_real = query(real, "SELECT count(*) FROM orders")[0][0]
    n_synth = query(synth, "SELECT count(*) FROM orders")[0][0]
    assert n_synth == n_real


def test_share_of_customers_without_orders_is_kept(shop):
    real, _, synth = shop
    zero_real = np.mean(degrees(real, "orders", ("customer_id",), "customer", ("id",)) == 0)
    zero_synth = np.mean(degrees(synth, "orders", ("customer_id",), "customer", ("id",)) == 0)
    assert 0.35 <= zero_real <= 0.45
    assert abs(zero_synth - zero_real) <= 0.05, (zero_real, zero_synth)


def test_grandparent_attribute_still_sets_the_grandchild_attribute(shop):
    """An order's amount depends only on its customer's region's zone, two joins away."""
    real, _, synth = shop
    sql = ("SELECT r.zone, median(o.amount) FROM orders o JOIN customer c ON o.customer_id = c.id "
           "JOIN region r ON c.region_id = r.id GROUP BY r.zone")
    real_medians, synth_medians = dict(query(real, sql)), dict(query(synth, sql))
    assert set(synth_medians) == set(ZONE_AMOUNT)
    for zone, value in real_medians.items():
        assert abs(synth_medians[zone] / value - 1) <= 0.25, (zone, value, synth_medians[zone])


def test_order_dates_follow_the_customers_sign_up_date(shop):
    real, _, synth = shop
    sql = "SELECT avg((o.order_date >= c.since)::INTEGER) FROM orders o JOIN customer c ON o.customer_id = c.id"
    held_real = query(real, sql)[0][0]
    assert 0.99 <= held_real < 1.0
    assert query(synth, sql)[0][0] == 1.0
    # and the gaps look like the real ones, not all pushed onto the parent's date
    gap = "SELECT o.order_date - c.since FROM orders o JOIN customer c ON o.customer_id = c.id WHERE o.order_date >= c.since"
    assert ks_complement(column(real, gap), column(synth, gap)) >= 0.85


def test_synthetic_shop_is_valid(shop):
    real, _, synth = shop
    assert validity_violations(real, synth) == []
