"""Public reference names: countries, their ISO codes, continents, languages, currencies, states.

A lookup whose rows are named by such values (world's 239 countries, a table of currencies) is
public knowledge, not anyone's data: :mod:`amalgam_rel.relational.reference` keeps it verbatim
even when it is larger than a small lookup would be. The names come from the lists Faker and
Mimesis ship (no network, no list of our own):

- Faker: its 195 countries (name, ISO alpha-2 and alpha-3, continent), its English list of 245
  country names, US states and their codes, 162 currencies (code and name), 182 language names;
- Mimesis: ISO alpha-2 and alpha-3, IOC and FIFA country codes, continent codes, currency codes,
  and per locale the country names (in that locale's language), continents and states or
  provinces with their codes; English language names and nationalities.

Numeric codes (ISO 3166 numeric) are left out: a table of zero-padded numbers is no gazetteer.
Values compare by :func:`normalized` form (case, accents and punctuation aside).

>>> is_public("Brazil"), is_public("bra"), is_public("Côte d'Ivoire"), is_public("Rock")
(True, True, True, False)
>>> public_share(["China", "Japan", "Atlantis", None])
0.6666666666666666
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from typing import Iterable


def normalized(value: object) -> str:
    """Lower-case ASCII words separated by one space: ``Virgin Islands, U.S.`` -> ``virgin islands u s``."""
    plain = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def is_public(value: object) -> bool:
    """Whether ``value`` names a country, continent, language, currency or state in a public list."""
    return normalized(value) in public_names()


def public_share(values: Iterable[object]) -> float:
    """The share of the non-NULL ``values`` that :func:`is_public` (0.0 for none)."""
    present = [v for v in values if v is not None]
    return sum(map(is_public, present)) / len(present) if present else 0.0


@functools.cache
def public_names() -> frozenset[str]:
    """Every name of the lists above, :func:`normalized`; read once per process."""
    names = _faker_names() | _mimesis_names()
    return frozenset(n for n in map(normalized, names) if n and not n.isdigit())


def _faker_names() -> set[str]:
    from faker.providers.address.en_US import Provider as UsAddress
    from faker.providers.currency import Provider as Currency
    from faker.providers.date_time import Provider as DateTime
    from faker.providers.person import Provider as Person

    names = {part for c in DateTime.countries for part in (c.name, c.alpha_2_code, c.alpha_3_code, c.continent)}
    names |= set(UsAddress.countries) | set(UsAddress.states) | set(UsAddress.states_abbr)
    names |= {part for pair in Currency.currencies for part in pair}
    return names | set(Person.language_names)


def _mimesis_names() -> set[str]:
    from mimesis import datasets
    from mimesis.constants import DATADIR
    from mimesis.locales import Locale

    names = {code for kind in ("a2", "a3", "ioc", "fifa") for code in datasets.COUNTRY_CODES[kind]}
    names |= set(datasets.CONTINENT_CODES) | set(datasets.CURRENCY_ISO_CODES)
    for locale in Locale:
        address = json.loads((DATADIR / locale.value / "address.json").read_text(encoding="utf-8"))
        names |= set(address.get("country", {}).get("name", [])) | set(address.get("continent") or [])
        names |= {v for key in ("name", "abbr") for v in address.get("state", {}).get(key, [])}
    person = json.loads((DATADIR / Locale.EN.value / "person.json").read_text(encoding="utf-8"))
    return names | set(person.get("language", [])) | set(person.get("nationality", []))
