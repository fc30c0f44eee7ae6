"""A row's Faker locale from its country or language: ``Brazil``, ``BR``, ``BRA``, ``pt-BR``, ``Portuguese``.

Country names and ISO codes come from Faker's own country table (195 countries); a country
Faker has no locale for, and anything unknown, falls back to :data:`FALLBACK`.

>>> locale_of("Brazil"), locale_of("DEU"), locale_of("usa"), locale_of("Czech Republic"), locale_of("Netherlands")
('pt_BR', 'de_DE', 'en_US', 'cs_CZ', 'nl_NL')
>>> locale_of("fr-CA"), locale_of("German"), locale_of("Atlantis"), locale_of(None)
('fr_CA', 'de_DE', 'en_US', 'en_US')
>>> locale_of("ar"), locale_of("ar", language=True)
('es_AR', 'ar_SA')
"""

from __future__ import annotations

import functools
import re
import unicodedata

from faker.config import AVAILABLE_LOCALES
from faker.providers.date_time import Provider as _DateTime

FALLBACK = "en_US"
# what Faker's country names say before the name people use (Kingdom of the Netherlands)
_SHORT = re.compile(r"^(people's )?(kingdom|republic|state|federation|commonwealth) of (the )?|^the ", re.IGNORECASE)
# the locale a country's rows get where Faker has several (Canada: English first)
_PREFERRED = {"US": "en_US", "CA": "en_CA", "CH": "de_CH", "BE": "nl_BE", "IN": "en_IN", "PH": "en_PH", "NG": "en_NG",
              "IE": "en_IE", "LU": "fr_FR", "ES": "es_ES", "PK": "en_PK", "BD": "en_BD", "TH": "th_TH", "BA": "bs_BA",
              "DZ": "ar_DZ", "CY": "el_CY", "TW": "zh_TW", "GH": "tw_GH", "ZA": "zu_ZA", "LI": "de_LI", "AT": "de_AT"}
_LANGUAGE = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "pt": "pt_PT", "it": "it_IT", "nl": "nl_NL",
             "zh": "zh_CN", "ar": "ar_SA", "sv": "sv_SE", "no": "no_NO", "nb": "no_NO", "da": "da_DK", "el": "el_GR"}
# English names of the languages Faker speaks (data: a language column may name them)
_LANGUAGE_NAMES = {"english": "en", "german": "de", "french": "fr", "spanish": "es", "portuguese": "pt",
                   "italian": "it", "dutch": "nl", "chinese": "zh", "mandarin": "zh", "japanese": "ja", "korean": "ko",
                   "russian": "ru", "polish": "pl", "swedish": "sv", "norwegian": "no", "danish": "da",
                   "finnish": "fi", "czech": "cs", "hungarian": "hu", "greek": "el", "turkish": "tr", "arabic": "ar",
                   "hindi": "hi", "hebrew": "he", "ukrainian": "uk", "romanian": "ro", "bulgarian": "bg",
                   "croatian": "hr", "slovak": "sk", "slovenian": "sl", "vietnamese": "vi", "thai": "th",
                   "indonesian": "id", "persian": "fa", "farsi": "fa", "estonian": "et", "latvian": "lv",
                   "lithuanian": "lt", "icelandic": "is", "irish": "ga", "georgian": "ka", "armenian": "hy"}
_ALIASES = {"usa": "US", "us": "US", "united states of america": "US", "america": "US", "uk": "GB", "england": "GB",
            "great britain": "GB", "britain": "GB", "scotland": "GB", "wales": "GB", "czechia": "CZ",
            "russia": "RU", "south korea": "KR", "korea": "KR", "holland": "NL", "the netherlands": "NL",
            "iran": "IR", "vietnam": "VN", "taiwan": "TW", "turkiye": "TR", "deutschland": "DE", "espana": "ES",
            "brasil": "BR", "mexico": "MX", "osterreich": "AT", "schweiz": "CH", "suisse": "CH", "italia": "IT"}


# the locales rows get where nothing tells (under a privacy budget the country column is drawn, not learned)
DRAWN = ("en_US", "en_GB", "en_CA", "en_AU", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR", "nl_NL", "pl_PL",
         "sv_SE", "da_DK", "cs_CZ", "ja_JP")


def describe(locale: str, kind: str) -> str:
    """What a ``kind`` column (country, country_code, language) says for ``locale``.

    >>> describe("pt_BR", "country"), describe("pt_BR", "country_code"), describe("pt_BR", "language")
    ('Brazil', 'BR', 'Portuguese')
    >>> describe("nl_NL", "country"), locale_of(describe("nl_NL", "country"))
    ('Netherlands', 'nl_NL')
    """
    language, _, territory = locale.partition("_")
    if kind == "language":
        return next((name.title() for name, code in _LANGUAGE_NAMES.items() if code == language), language)
    if kind == "country_code":
        return territory
    return next((_SHORT.sub("", c.name) for c in _DateTime.countries if c.alpha_2_code == territory), territory)


def locale_of(value: object, *, language: bool = False) -> str:
    """The Faker locale for a country (name, ISO 2 or 3 letters) or language (code, tag, English
    name); ``language``: the value is a language first (``ar`` is Arabic, not Argentina)."""
    if value is None:
        return FALLBACK
    text = _plain(str(value))
    if language:
        return _from_language(text) or _index().get(text) or FALLBACK
    return _index().get(text) or _from_language(text) or FALLBACK


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip().lower().replace("_", "-")


@functools.cache
def _index() -> dict[str, str]:
    """Lower-case country names, ISO codes and aliases -> locale."""
    by_territory: dict[str, str] = {}
    for locale in AVAILABLE_LOCALES:
        if "_" in locale:
            by_territory.setdefault(locale.split("_")[1], locale)
    by_territory.update(_PREFERRED)
    out: dict[str, str] = {}
    for country in _DateTime.countries:
        locale = by_territory.get(country.alpha_2_code)
        if locale is not None:
            short = _SHORT.sub("", _plain(country.name))
            for key in (country.name, short, country.alpha_2_code, country.alpha_3_code):
                out[_plain(key)] = locale
    out.update({alias: by_territory[code] for alias, code in _ALIASES.items() if code in by_territory})
    return out


def _from_language(text: str) -> str | None:
    """``pt-br`` -> pt_BR, ``de`` -> de_DE, ``german`` -> de_DE."""
    language, _, territory = text.partition("-")
    language = _LANGUAGE_NAMES.get(text, language)
    if territory:
        tagged = f"{language}_{territory.upper()}"
        if tagged in AVAILABLE_LOCALES:
            return tagged
    if language in _LANGUAGE:
        return _LANGUAGE[language]
    return next((loc for loc in AVAILABLE_LOCALES if loc.startswith(language + "_")), None) if len(language) in (2, 3) \
        else None
