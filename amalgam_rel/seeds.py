"""Random seeds as the user gives them, checked where they are used.

A seed is a whole number from 0 to 2**32 - 1: every generator it feeds accepts that range
(numpy's seed sequences take any non-negative integer, torch up to 2**64 - 1), and it is the
range numpy's and scikit-learn's seeds have always had. A negative or fractional seed would
otherwise fail deep inside numpy with a message that names neither the seed nor the option.

>>> checked_seed(7)
7
>>> checked_seed(-5)
Traceback (most recent call last):
...
amalgam_rel.errors.InputError: seed must be a whole number from 0 to 4294967295, got -5
>>> duckdb_seed(2**31 + 3)
3
>>> derived_seed("tests/test_shop.py::test_refund")
653882072
"""

from __future__ import annotations

import hashlib
import numbers

from amalgam_rel.errors import InputError

MAX_SEED = 2**32 - 1


def checked_seed(seed, what: str = "seed") -> int:
    """``seed`` as an int, or a one-line :class:`InputError` naming ``what``."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise InputError(f"{what} must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


def duckdb_seed(seed: int) -> int:
    """The seed of a DuckDB ``REPEATABLE`` sample, which parses only 0 .. 2**31 - 1.

    Seeds below 2**31 pass unchanged, so samples drawn before this fold stay the same.
    """
    return seed % 2**31


def derived_seed(text: str) -> int:
    """A seed made from ``text`` (a test's node id), the same in every process and on every machine.

    Python's ``hash()`` of a string changes with ``PYTHONHASHSEED``, so a stable digest is used.
    """
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "big")
