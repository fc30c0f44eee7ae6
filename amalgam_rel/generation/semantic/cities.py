"""Real city names per country: Mimesis' lists, else the cities the time-zone database names.

Faker composes English-speaking towns (``West Davidmouth``, ``South Anthonyfurt``), which look
like no real column's values. Mimesis lists real cities for many countries; where it has none
(Canada, Australia, Argentina: its ``en-ca`` and ``en-au`` list US cities), the IANA time-zone
database (shipped with pytz, a dependency already) names a country's large cities by its zones
(``America/Edmonton``, ``Australia/Hobart``): real names, public, no data of ours. A country with
fewer such zones than :data:`MIN_ZONE_CITIES` keeps Faker's towns: a few names repeated would
not read as a country's cities either.

>>> mimesis_locale("de_DE"), mimesis_locale("pt_BR"), mimesis_locale("en_US"), mimesis_locale("en_CA")
('de', 'pt-br', 'en', None)
>>> "Edmonton" in zone_cities("en_CA"), "St Johns" in zone_cities("fr_CA"), zone_cities("de_DE")
(True, True, ())
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np

# Faker locales whose country is their language's home country in Mimesis (de_DE -> de);
# others need an exact Mimesis locale (pt_BR -> pt-br); en-ca and en-au list US cities there
_MIMESIS_HOME = {"en_US": "en", "ja_JP": "ja", "zh_CN": "zh", "cs_CZ": "cs", "sv_SE": "sv", "da_DK": "da",
                 "ko_KR": "ko", "uk_UA": "uk", "el_GR": "el", "nb_NO": "no", "no_NO": "no", "et_EE": "et",
                 "fa_IR": "fa", "kk_KZ": "kk", "az_AZ": "az"}
_MIMESIS_WRONG = {"en-ca", "en-au"}
MIN_ZONE_CITIES = 10  # zones a country needs before its zone names stand for its cities


def mimesis_locale(locale: str) -> str | None:
    """The Mimesis locale listing ``locale``'s real cities, or None."""
    from mimesis import Locale

    known = {x.value for x in Locale} - _MIMESIS_WRONG
    exact = locale.lower().replace("_", "-")
    if exact in known:
        return exact
    language, _, country = locale.partition("_")
    if language == country.lower() and language in known:
        return language
    return _MIMESIS_HOME.get(locale) if _MIMESIS_HOME.get(locale) in known else None


@functools.cache
def zone_cities(locale: str) -> tuple[str, ...]:
    """The cities the time-zone database names for ``locale``'s country (``America/St_Johns`` ->
    ``St Johns``), sorted; empty where it names fewer than :data:`MIN_ZONE_CITIES`."""
    import pytz

    territory = locale.partition("_")[2]
    zones = pytz.country_timezones.get(territory, []) if territory else []
    names = sorted({zone.rsplit("/", 1)[-1].replace("_", " ") for zone in zones})
    return tuple(names) if len(names) >= MIN_ZONE_CITIES else ()


def city_drawer(locale: str, rng: np.random.Generator) -> Callable[[], str] | None:
    """A draw of one real city of ``locale``'s country (Mimesis, else :func:`zone_cities`), or
    None where neither lists the country (Faker's composed towns are left to the caller)."""
    home = mimesis_locale(locale)
    if home is not None:
        from mimesis import Address, Locale

        address = Address(Locale(home), seed=int(rng.integers(2**63)))
        return lambda: address.city().strip()
    listed = zone_cities(locale)
    if listed:
        return lambda: listed[int(rng.integers(len(listed)))]
    return None
