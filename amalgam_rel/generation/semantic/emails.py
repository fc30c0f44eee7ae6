"""E-mail addresses and user names made from a row's own names, in the forms real ones take.

A local part is made from the row's first and last name in one of a few *forms* (``ana.lopez``,
``alopez``, ``anal``, ``ana_lopez``, ``lopeza``, ``ana.lopez84``, ``ana``, ``lopez``,
``analopez``). Where a table's real e-mails sit beside first and last names, :func:`learn_local_forms`
counts which form each real local part takes of its own row's names (a staff table writes
``andrew@chinookcorp.com``: the first name alone): shares of forms, never a value. Without them,
the first six forms are equally likely.

>>> learn_local_forms(["andrew@x.com", "nancy@x.com", "mj@x.com", None], ["Andrew", "Nancy", "Mary", "Bo"],
...                   ["Adams", "Edwards", "Jones", "Li"])
(('first', 0.667), ('other', 0.333))
>>> local_part("Ana", "López", np.random.default_rng(0), None, (("first", 1.0),))
'ana'
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Sequence

import numpy as np
from faker import Faker

_FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com")
_FREE_WEIGHTS = np.array([0.45, 0.15, 0.15, 0.1, 0.1, 0.05])
_FREE_SHARE = 0.6  # of e-mails on a free-mail domain; the rest a company's
_LOCAL_SHARE = 0.3  # of free-mail addresses at the locale's own provider (web.de, uol.com.br)
# the forms a local part takes of a first name a and last name b; the first six are the default's
FORMS = ("first.last", "flast", "firstl", "first_last", "lastf", "first.last99", "first", "last", "firstlast")
OTHER = "other"  # a real local part of none of the forms: one of the default's


def emails(fake: Faker, first: list[str], last: list[str], company: list, rng: np.random.Generator,
           forms: tuple[tuple[str, float], ...] = ()) -> list[str]:
    """An e-mail per row from its names: mostly free-mail domains, else the row's company's."""
    n = len(first)
    free = rng.random(n) < _FREE_SHARE
    own = rng.random(n) < _LOCAL_SHARE
    picks = rng.choice(len(_FREE_MAIL), size=n, p=_FREE_WEIGHTS)
    out = []
    for i in range(n):
        if free[i]:
            domain = fake.free_email_domain() if own[i] else _FREE_MAIL[picks[i]]
        else:  # the row's company's, or one made up for it
            domain = company_domain(company[i] or fake.last_name(), fake)
        out.append(f"{local_part(first[i], last[i], rng, fake, forms)}@{domain}")
    return out


def local_part(first: str, last: str, rng: np.random.Generator, fake: Faker | None,
               forms: tuple[tuple[str, float], ...] = ()) -> str:
    """A local part of ``first`` and ``last`` in a form drawn by the ``forms`` shares (default: one of six)."""
    a, b = ascii_letters(first), ascii_letters(last)
    if not a or not b:  # a script without Latin letters: Faker's own transliterated user name
        return fake.user_name()
    if forms:
        names = [f for f, _ in forms]
        shares = np.array([s for _, s in forms], dtype=float)
        form = names[int(rng.choice(len(names), p=shares / shares.sum()))]
    else:
        form = OTHER
    if form == OTHER:
        form = FORMS[int(rng.integers(6))]
    return _written(form, a, b, rng)


def _written(form: str, a: str, b: str, rng: np.random.Generator | None = None) -> str:
    made = {"first.last": f"{a}.{b}", "flast": f"{a[0]}{b}", "firstl": f"{a}{b[0]}", "first_last": f"{a}_{b}",
            "lastf": f"{b}{a[0]}", "first": a, "last": b, "firstlast": f"{a}{b}"}
    if form == "first.last99":
        return f"{a}.{b}{int(rng.integers(1, 100))}" if rng is not None else f"{a}.{b}"
    return made[form]


def learn_local_forms(values: Sequence[object], first: Sequence[object], last: Sequence[object]) -> tuple[tuple[str, float], ...]:
    """The shares of the forms the real e-mails' local parts take of their own row's names
    (:data:`OTHER` for none of them); () where no row has all three."""
    counts: Counter[str] = Counter()
    for value, f, l in zip(values, first, last):
        a, b = ascii_letters(str(f or "")), ascii_letters(str(l or ""))
        if value is None or not a or not b or "@" not in str(value):
            continue
        local = str(value).split("@")[0].lower()
        counts[_form_of(local, a, b)] += 1
    total = sum(counts.values())
    return tuple((form, round(c / total, 3)) for form, c in counts.most_common()) if total else ()


def _form_of(local: str, a: str, b: str) -> str:
    if re.fullmatch(rf"{re.escape(a)}\.{re.escape(b)}\d{{1,2}}", local):
        return "first.last99"
    return next((form for form in FORMS if form != "first.last99" and _written(form, a, b) == local), OTHER)


def company_domain(company: str, fake: Faker) -> str:
    """``Schmidt GmbH & Co. KG`` -> ``schmidt.de`` (the locale's top-level domain)."""
    words = [w for w in (ascii_letters(x) for x in re.split(r"[\s,&.\-]+", company)) if len(w) > 2]
    return f"{words[0] if words else fake.domain_word()}.{fake.tld()}"


def ascii_letters(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (accents dropped: ``Gonçalves`` -> ``goncalves``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", plain)
