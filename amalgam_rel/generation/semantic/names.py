"""Public names of people and places, as words: what Faker and Mimesis list for every locale, and
the cities of the time-zone database (:mod:`.cities`).

A synthetic ``Piracicaba`` or ``Müller`` is a real word even though no common-word list holds
it: the realism score (:mod:`amalgam_rel.evaluation.realism`) counts these words as real beside
the lexicon's (:mod:`amalgam_rel.generation.lexicon`). Nothing here is read from a database.

>>> "piracicaba" in name_words(), "müller" in name_words(), "xqzvw" in name_words()
(True, True, False)
"""

from __future__ import annotations

import functools
import importlib
import json

from amalgam_rel.generation.lexicon import words

_FAKER_NAME_LISTS = ("first_names", "last_names", "first_names_male", "first_names_female",
                     "last_names_male", "last_names_female")
_MIMESIS_NAME_LISTS = ("names", "last_names", "surnames")


@functools.cache
def name_words() -> frozenset[str]:
    """The lowercased words of every person and city name the two libraries list (~0.5 s, once)."""
    names = _faker_person_names() | _mimesis_names() | _zone_cities()
    return frozenset(w for name in names for w in words(name))


def _faker_person_names() -> set[str]:
    from faker.config import AVAILABLE_LOCALES

    names: set[str] = set()
    for locale in AVAILABLE_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:  # a locale with no person provider of its own
            continue
        for attr in _FAKER_NAME_LISTS:
            listed = provider.__dict__.get(attr)  # the class's own list, not a property of a parent
            if isinstance(listed, dict | list | tuple | set | frozenset):
                names.update(listed)
    return names


def _zone_cities() -> set[str]:
    """The cities the time-zone database names (the generator's cities where Mimesis lists none)."""
    import pytz

    return {zone.rsplit("/", 1)[-1].replace("_", " ") for zones in pytz.country_timezones.values() for zone in zones}


def _mimesis_names() -> set[str]:
    from mimesis.constants import DATADIR
    from mimesis.locales import Locale

    names: set[str] = set()
    for locale in Locale:
        address = json.loads((DATADIR / locale.value / "address.json").read_text(encoding="utf-8"))
        names.update(address.get("city") or ())
        person = json.loads((DATADIR / locale.value / "person.json").read_text(encoding="utf-8"))
        for key in _MIMESIS_NAME_LISTS:
            listed = person.get(key)
            for group in (listed.values() if isinstance(listed, dict) else [listed or ()]):
                names.update(group)
    return names
