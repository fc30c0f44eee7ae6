"""What a text column holds: a person's name, an e-mail, a phone number, a place... or nothing known.

The way SDV's sdtypes and Presidio's entities do it: the column's name (any case, snake or
camel, common abbreviations and a few languages: ``FirstName``, ``fname``, ``vorname``,
``prenom``), its table (``name`` in a ``customer`` table is a person, in a ``genre`` table it is
not), its type (only strings) and, where a sample of values is at hand, their pattern (e-mails,
URLs, IP addresses, phone numbers, postcodes, hex hashes). A name hint must agree with the values
(a ``phone`` column of free text is not a phone); a few patterns are strong enough on their own
(every value an e-mail). A column whose name says nothing and whose values match no strong
pattern has no semantic type.

Columns with a type are filled by :mod:`.generate` (Faker), never from the real values; country
and language columns stay statistical (:attr:`SemanticType.locale_source`) and set each row's
locale.

>>> semantic_type("FirstName", Kind.STRING).name
'first_name'
>>> semantic_type("e_mail", Kind.STRING, ["ana@example.org", "bo@mail.de"]).person_like
True
>>> semantic_type("Name", Kind.STRING, ["Rock", "Jazz"], table="Genre") is None
True
>>> semantic_type("contact", Kind.STRING, ["a@b.io", "c@d.org", "e@f.net"]).name
'email'
>>> semantic_type("BillingCountry", Kind.STRING).locale_source
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from amalgam_rel.schema.types import Kind, SqlType


@dataclass(frozen=True)
class SemanticType:
    """A kind of value a generator can make: ``person_like`` ones identify people (never kept
    verbatim, never drawn from real values); ``locale_source`` ones (country, language) stay
    with the statistical model and tell each row's locale."""

    name: str
    person_like: bool = False
    locale_source: bool = False


TYPES: dict[str, SemanticType] = {t.name: t for t in (
    SemanticType("first_name", person_like=True),
    SemanticType("last_name", person_like=True),
    SemanticType("full_name", person_like=True),
    SemanticType("email", person_like=True),
    SemanticType("phone", person_like=True),
    SemanticType("street_address", person_like=True),
    SemanticType("username", person_like=True),
    SemanticType("password", person_like=True),
    SemanticType("ip_address", person_like=True),
    SemanticType("city"),
    SemanticType("state"),
    SemanticType("postcode"),
    SemanticType("company"),
    SemanticType("url"),
    SemanticType("job_title"),
    SemanticType("hash"),
    SemanticType("country", locale_source=True),
    SemanticType("country_code", locale_source=True),
    SemanticType("language", locale_source=True),
)}

# column names (tokens joined, lower case, accents dropped) that say the type outright
_NAMES: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in {
    "first_name": "firstname fname givenname forename vorname prenom nombre nome primernombre firstnm",
    "last_name": "lastname lname surname familyname nachname apellido apellidos sobrenome cognome achternaam lastnm",
    "full_name": "fullname personname contactname customername employeename clientname authorname "
                 "ownername membername patientname studentname ",
    "email": "email emailaddress mail mailaddress emailadresse courriel correo correoelectronico",
    "phone": "phone phonenumber telephone tel telefon telefono telefone mobile mobilephone cell cellphone fax "
             "faxnumber homephone workphone phoneno",
    "street_address": "address streetaddress street addressline addressline1 address1 addr strasse adresse direccion "
                      "endereco indirizzo",
    "city": "city town ort stadt ville ciudad cidade citta municipality locality cityname",
    "state": "state province stateprovince county bundesland provincia stateorprovince statecode stateabbr",
    "postcode": "postalcode postcode zip zipcode plz codepostal cp cep postal",
    "country": "country countryname land pais pays nation",
    "country_code": "countrycode countryiso iso2 iso3 isocode",
    "language": "language lang locale languagecode langcode sprache langue idioma",
    "company": "company companyname employer organization organisation organizationname firm firma entreprise "
               "empresa",
    "url": "url website homepage webpage web link uri siteurl",
    "ip_address": "ip ipaddress ipaddr ipv4 ipv6 clientip remoteaddr remoteip",
    "username": "username login loginname handle nickname screenname userlogin",
    "password": "password passwd pwd passwordhash passhash hashedpassword",
    "job_title": "jobtitle job occupation profession jobname",
    "hash": "md5 sha1 sha256 checksum",
}.items()}
# a prefix that does not change what the rest says (``BillingCity``, ``ShipPostalCode``)
_PREFIXES = ("billing", "shipping", "ship", "home", "work", "customer", "contact", "mailing", "primary", "business",
             "user", "person", "employee", "client", "main", "current", "birth", "delivery", "invoice")
# tables whose rows are people: a bare ``name`` there is a person's
_PERSON_TABLES = frozenset("customer client employee person people user member staff contact patient student "
                           "author actor director driver owner manager worker teacher account subscriber".split())
_PLACE_TABLES = {"city": "city", "town": "city", "country": "country", "nation": "country", "state": "state",
                 "province": "state", "language": "language"}

_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)+$")
_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")
_IPV6 = re.compile(r"^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,25}(\s*(x|ext\.?)\s*\d+)?$", re.IGNORECASE)
_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 \-]{1,9}$", re.IGNORECASE)
_HEX_HASH = re.compile(r"^([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$", re.IGNORECASE)
_BCRYPT = re.compile(r"^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$")
_PERSON_NAME = re.compile(r"^[^\W\d_][^\d_]*$")  # letters, with spaces, hyphens, apostrophes, dots between
_CODE = re.compile(r"^[A-Z]{2,3}$")

_AGREE = 0.8  # share of sampled values that must fit the pattern a name hints at
_ON_ITS_OWN = 0.95  # share that must fit a pattern for it to decide without a name
_SAMPLE = 200  # values looked at


def semantic_type(column_name: str, sql_type: SqlType | Kind | None, values: Iterable[object] | None = None, *,
                  table: str | None = None, columns: Iterable[str] = ()) -> SemanticType | None:
    """The semantic type of a column named ``column_name`` of ``sql_type``, or None.

    ``values``: a sample of its real values (None under a privacy budget: names alone decide).
    ``table`` and ``columns`` (the table's other column names) give context: a bare ``name`` is
    a person's only in a table of people, a ``region`` is a state only beside an address.
    """
    kind = sql_type.kind if isinstance(sql_type, SqlType) else sql_type
    if kind not in (Kind.STRING, None):
        return None
    sample = None if values is None else [str(v) for v in _first(values) if v is not None and str(v).strip()]
    hinted = _hinted(column_name, table, columns)
    if hinted is not None and (not sample or _values_fit(hinted, sample)):
        return TYPES[hinted]
    return TYPES[found] if sample and (found := _by_pattern(sample)) is not None else None


def tokens(name: str) -> list[str]:
    """``name`` split into lower-case ASCII words: ``BillingPostalCode`` -> billing, postal, code.

    >>> tokens("BillingPostalCode"), tokens("e_mail"), tokens("Prénom"), tokens("IPAddress")
    (['billing', 'postal', 'code'], ['e', 'mail'], ['prenom'], ['ip', 'address'])
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", plain))
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


def people_table(table: str) -> bool:
    """Whether a table's rows are people, by its name (``Customer``, ``employees``, ``staff``).

    >>> people_table("employees"), people_table("shippers")
    (True, False)
    """
    words = [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in tokens(table)]
    return bool(words) and words[-1] in _PERSON_TABLES


def _hinted(column_name: str, table: str | None, columns: Iterable[str]) -> str | None:
    words = tokens(column_name)
    if len(words) > 1 and len(words[0]) == 1 and "".join(words) not in _NAMES["email"]:
        words = words[1:]  # TPC-H's c_name, s_phone: a table's one-letter prefix
    joined = "".join(words)
    for candidate in (joined, _without_prefix(words)):
        for type_name, names in _NAMES.items():
            if candidate in names:
                return _in_context(type_name, table, columns)
    table_words = tokens(table or "")
    singular = [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in table_words]
    if joined == "region" and any(_hinted(c, None, ()) in ("city", "postcode", "street_address") for c in columns):
        return "state"
    if joined in ("name", "fullname", "displayname") and singular and singular[-1] in _PERSON_TABLES:
        return "full_name"
    if joined == "name" and singular and singular[-1] in _PLACE_TABLES:
        return _PLACE_TABLES[singular[-1]]
    if joined in ("code", "iso", "isocode") and singular and singular[-1] in ("country", "nation"):
        return "country_code"
    return None


def _without_prefix(words: list[str]) -> str:
    while len(words) > 1 and words[0] in _PREFIXES:
        words = words[1:]
    return "".join(words)


def _in_context(type_name: str, table: str | None, columns: Iterable[str]) -> str | None:
    """A hint some tables contradict: a ``login`` column beside no user data is kept as it is;
    ``zip`` in a table without an address or city is likely not a postcode."""
    if type_name == "postcode" and columns and not any(
            _hinted(c, None, ()) in ("city", "street_address", "state", "country") for c in columns):
        return None
    return type_name


def _first(values: Iterable[object]) -> list[object]:
    out = []
    for v in values:
        out.append(v)
        if len(out) >= _SAMPLE:
            break
    return out


def _share(sample: list[str], test) -> float:
    return sum(1 for v in sample if test(v.strip())) / len(sample)


def _values_fit(type_name: str, sample: list[str]) -> bool:
    """Whether a sample agrees with what the column's name says it holds."""
    return _share(sample, _form_test(type_name)) >= _AGREE


def fits(type_name: str, value: str) -> bool:
    """Whether one value has the form a column of ``type_name`` is recognised by (the test
    detection applies to a sample; the evaluator compares its share on both sides).

    >>> fits("email", "ana@example.org"), fits("email", "Ana"), fits("phone", "+1 (780) 428-9482")
    (True, False, True)
    """
    return bool(_form_test(type_name)(value.strip()))


def _form_test(type_name: str):
    return {
        "email": _EMAIL.match, "url": lambda v: _URL.match(v) or "." in v and " " not in v,
        "ip_address": lambda v: _IPV4.match(v) or _IPV6.match(v), "phone": _is_phone,
        "postcode": lambda v: _POSTCODE.match(v) and any(c.isdigit() for c in v) or len(v) <= 8,
        "first_name": lambda v: _PERSON_NAME.match(v) and len(v) <= 40,
        "last_name": lambda v: _PERSON_NAME.match(v) and len(v) <= 40,
        "full_name": _is_full_name, "city": _is_short_words, "state": _is_short_words, "country": _is_short_words,
        "country_code": lambda v: _CODE.match(v.upper()), "company": lambda v: len(v) <= 120,
        "street_address": lambda v: len(v) <= 200, "job_title": _is_short_words,
        "username": lambda v: " " not in v and len(v) <= 64, "password": lambda v: len(v) <= 256,
        "hash": lambda v: _HEX_HASH.match(v), "language": lambda v: not any(c.isdigit() for c in v),
    }[type_name]


def _by_pattern(sample: list[str]) -> str | None:
    """A type the values alone show, with no help from the column's name."""
    for type_name, test in (("email", _EMAIL.match), ("url", lambda v: _URL.match(v) and "://" in v),
                            ("ip_address", _IPV4.match), ("hash", _HEX_HASH.match), ("password", _BCRYPT.match)):
        if _share(sample, test) >= _ON_ITS_OWN:
            return type_name
    return None


def _is_phone(value: str) -> bool:
    digits = sum(c.isdigit() for c in value)
    return bool(_PHONE.match(value)) and 6 <= digits <= 18


def _is_full_name(value: str) -> bool:
    """Two to four capitalised words of letters: ``Ana María López``, not ``Rock & Roll`` or ``Acme Inc.``."""
    words = value.split()
    return 2 <= len(words) <= 4 and bool(_PERSON_NAME.match(value)) and all(w[0].isupper() for w in words) \
        and not {w.strip(".,").lower() for w in words} & _COMPANY_WORDS


def _is_short_words(value: str) -> bool:
    return len(value) <= 80 and sum(c.isdigit() for c in value) <= 2


_COMPANY_WORDS = frozenset("inc ltd llc gmbh corp co sa ag plc bv company group the and of".split())
