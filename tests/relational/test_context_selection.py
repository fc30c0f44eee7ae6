"""Which parent columns a child model sees (:mod:`amalgam_rel.relational.context`)."""

import numpy as np
import pyarrow as pa

from amalgam_rel.relational.context import choose_context, match_extra


def _frame(seed=0, parents=200, per_parent=5):
    rng = np.random.default_rng(seed)
    population = rng.integers(1_000, 10_000_000, parents)  # every parent its own value
    names = np.array([f"country {i}" for i in range(parents)])
    noise = rng.integers(0, 4, parents)
    p = np.repeat(np.arange(parents), per_parent)
    child = (np.log(population[p]) * 3 + rng.normal(0, 1, len(p))).astype(np.int64)
    return pa.table({"^Population": population[p], "^Name": names[p], "^Noise": noise[p], "size": child}), parents


def test_an_integer_parent_column_with_many_values_is_a_candidate_like_a_float():
    """It is binned like any number, so it describes the parent rather than naming it
    (world: country.Population, 232 values for 239 countries, was never offered to cities)."""
    frame, parents = _frame()
    assert choose_context(frame, ["^Population", "^Noise"], ["size"], k=1, parents=parents) == ("^Population",)
    as_float = frame.set_column(0, "^Population", frame.column("^Population").cast(pa.float64()))
    assert choose_context(as_float, ["^Population", "^Noise"], ["size"], k=1, parents=parents) == ("^Population",)


def test_a_string_column_naming_each_parent_is_left_out():
    frame, parents = _frame()
    chosen = choose_context(frame, ["^Name", "^Noise"], ["size"], k=2, parents=parents)
    assert "^Name" not in chosen


def _price_lines(seed=0, orders=400, lines=5):
    """Order lines priced at their product's list price, or at 80 % of it for orders placed
    before a price change: the order's date says nothing of a line's price alone (the product
    decides it) and everything of it given the product's price. The order's region tells the
    line's quantity a little, which alone outscores the date."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 730, orders)
    region = rng.integers(0, 4, orders)
    o = np.repeat(np.arange(orders), lines)
    list_price = rng.choice(np.round(rng.lognormal(3, 1, 60), 2), len(o))
    price = np.where(day[o] < 365, 0.8, 1.0) * list_price
    quantity = rng.integers(1, 40, len(o)) + 3 * region[o]
    return pa.table({"^order_day": day[o], "^order_day_shipped": day[o] + rng.integers(1, 4, len(o)),
                     "^region": region[o], "&1.unit_price": list_price, "unit_price": price, "quantity": quantity})


def test_a_parent_column_telling_a_child_column_given_its_matched_value_is_chosen():
    """northwind: a line's price is its product's (the matched parent's) times 0.8 before the
    1997 price change and 1.0 after; without the order's date in context the synthetic 1996
    lines sold at 0.94 of the list price (real 0.80) and 1998's at 0.97 (real 1.00)."""
    frame = _price_lines()
    candidates, own = ["^order_day", "^region"], ["unit_price", "quantity"]
    assert choose_context(frame, candidates, own, k=1) == ("^region",)  # alone, the date tells little
    # a place beyond k: the region keeps its own
    assert choose_context(frame, candidates, own, k=1, given=["&1.unit_price"]) == ("^region", "^order_day")


def test_an_unrelated_parent_column_gains_nothing_given_the_matched_value():
    frame = _price_lines()
    rng = np.random.default_rng(1)
    frame = frame.append_column("^noise", pa.array(rng.integers(0, 4, frame.num_rows)))
    chosen = choose_context(frame, ["^noise", "^order_day"], ["unit_price", "quantity"], k=1, given=["&1.unit_price"])
    assert chosen == ("^order_day",)  # the noise stays below the bar even given the matched price


def test_a_candidate_a_chosen_one_already_tells_leaves_its_place_to_the_next():
    """An order's ship date beside its order date: the same information twice."""
    frame = _price_lines()
    chosen = choose_context(frame, ["^order_day", "^order_day_shipped", "^region"], ["unit_price", "quantity"], k=2,
                            given=["&1.unit_price"])
    assert chosen == ("^region", "^order_day")


def test_a_list_category_gets_a_place_of_its_own():
    """Two parent columns tell the row's stops and take the k places; the aircraft list's
    category follows a third, and the parent's own genre list tells the stops weakly: each of
    those takes one more place (openflights: a route's counts took every place)."""
    from amalgam_rel.relational.context import list_places

    rng = np.random.default_rng(0)
    n = 3000
    a, b, region = rng.integers(0, 4, n), rng.integers(0, 4, n), rng.integers(0, 3, n)
    genres = rng.integers(0, 2, n)
    stops = a * 4 + b
    stops = np.where((genres == 1) & (rng.random(n) < 0.3), 0, stops)  # weakly told by the parent's list
    equipment = np.where(rng.random(n) < 0.9, region, rng.integers(0, 3, n))
    frame = pa.table({"^a": a, "^b": b, "^region": region, "^=genres": [['["x"]', '["y"]'][g] for g in genres],
                      "stops": stops, "=equipment": [f'["{e}"]' for e in equipment]})
    candidates = ["^a", "^b", "^region", "^=genres"]
    chosen = choose_context(frame, candidates, ["stops", "=equipment"], k=2)
    assert set(chosen) == {"^a", "^b"}
    extra = list_places(frame, candidates, ["stops", "=equipment"], ["=equipment"], ["^=genres"], chosen)
    assert extra == ("^region", "^=genres")
    assert list_places(frame, candidates, ["stops"], [], [], chosen) == ()  # no list: nothing more


def _carrier_routes(seed=0, carriers=300, routes=3000):
    """Routes matched to carriers of 40 countries: a route's aircraft follows its carrier's
    country (the first 20 fly 'x'), and whether it is seasonal follows whether the carrier is
    active. 40 values: more than the scores' 32 categories, fewer than the model keeps."""
    rng = np.random.default_rng(seed)
    country = rng.permutation(np.arange(carriers) % 40)
    active = rng.random(carriers) < 0.5
    c = rng.integers(0, carriers, routes)
    return pa.table({"carrier_id": c, "&0.country": np.array([f"land {i}" for i in country])[c],
                     "&0.active": active[c], "&0.noise": rng.integers(0, 3, carriers)[c],
                     "aircraft": np.where(country[c] < 20, "x", "y"), "seasonal": ~active[c]}), carriers


def test_a_parent_category_of_more_values_than_the_scores_codes_is_scored():
    """A candidate is a column of the parent's model, so a category there (an airline's country,
    of 40 values) is one here: read as free text it scored 0 and was never chosen (openflights:
    a route's context had no country of its source airport)."""
    frame, carriers = _carrier_routes()
    assert choose_context(frame, ["&0.country", "&0.noise"], ["aircraft"], k=1, parents=carriers) == ("&0.country",)


def test_a_second_column_of_a_matched_parent_is_chosen_where_the_rows_depend_on_it_given_the_first():
    frame, carriers = _carrier_routes()
    candidates = ["&0.country", "&0.active", "&0.noise"]
    first = choose_context(frame, candidates, ["aircraft", "seasonal"], k=1, parents=carriers)[0]
    also = match_extra(frame, candidates, ["aircraft", "seasonal"], first, parents=carriers)
    assert {first, *also} == {"&0.country", "&0.active"}
    # a column the rows depend on through nothing beyond the first takes no place
    assert match_extra(frame, ["&0.country", "&0.noise"], ["aircraft"], "&0.country", parents=carriers) == ()


def test_a_column_naming_the_matched_parent_together_with_the_first_takes_no_place():
    """80 products of distinct prices, lines at their product's price: a product's stock says
    nothing of a line, yet beside the price's 16 bins it names the product, and so 'tells' the
    line's price inside a bin (northwind: units in stock, 0.083 given the price)."""
    rng = np.random.default_rng(1)
    price, stock = rng.lognormal(3, 1, 80), rng.integers(0, 120, 80)
    p = rng.integers(0, 80, 2000)
    frame = pa.table({"&1.price": price[p], "&1.stock": stock[p], "price": price[p] * rng.choice([0.8, 1.0], 2000)})
    assert match_extra(frame, ["&1.price", "&1.stock"], ["price"], "&1.price", parents=80) == ()
