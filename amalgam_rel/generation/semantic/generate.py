"""Values for columns with a semantic type, from Faker: per row, in the row's own locale, consistent.

Each row is one made-up person or place in its locale (:mod:`.locales`: from the row's own
synthetic country or language): its e-mail is built from its first and last name and a
real-looking domain (mostly free-mail, some company domains, the row's company where it has
one); city, state and postcode come from that locale's address provider. Nothing here reads a
real value: every value is Faker's, but for phones and postcodes whose real values share formats
(:attr:`SemanticColumn.formats`, learned at fit time): those are the database's own formats
filled with random digits and letters (:mod:`.formats`).

Deterministic: each locale's rows draw from a Faker instance seeded (``seed_instance``, never the
global ``Faker.seed``) from the numpy Generator handed down, and every other choice from that
Generator. A value too long for its column is drawn again, then cut; a UNIQUE column's repeats
are drawn again, and numbered as a last resort.

>>> import numpy as np
>>> cols = [SemanticColumn("first", "first_name"), SemanticColumn("last", "last_name"), SemanticColumn("mail", "email")]
>>> out = generate(cols, ["de_DE", "pt_BR"], np.random.default_rng(0))
>>> [out["mail"][i].split("@")[0].count(".") <= 1 for i in range(2)]
[True, True]
>>> out == generate(cols, ["de_DE", "pt_BR"], np.random.default_rng(0))
True
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
from faker import Faker

from amalgam_rel.generation.semantic.cities import city_drawer
from amalgam_rel.generation.semantic.detect import TYPES
from amalgam_rel.generation.semantic.emails import company_domain, emails, local_part
from amalgam_rel.generation.semantic.formats import Masks, fill_formats
from amalgam_rel.generation.semantic.locales import FALLBACK
from amalgam_rel.generation.semantic.pools import POOLED, Repeat, coarsen, group_of, pool_sizes, row_labels
from amalgam_rel.generation.semantic.toward import Targets, draw_forms, toward, toward_pooled

# rows of a locale from which a column's values are shared out by target (:func:`~.toward.toward_pooled`,
# ~1.7 Faker calls a row) rather than drawn again per row (:func:`~.toward.toward`, up to 5): a few
# rows' pool holds too few lengths to choose from (chinook's 1-13 customers a country lost 0.05 of
# their address shape), and there the calls cost nothing
POOL_FROM = 256
_REDRAWS = 5  # rounds of fresh values for rows too long or repeated, before cutting or numbering
_FAMILY_FIRST = ("zh_", "ja_", "ko_", "hu_", "vi_")  # locales writing the family name first
_SPACE = {"zh": "", "ja": ""}  # ... and those writing no space between the two
# types made from each other in a row (an e-mail from the row's names and company)
_LINKED = {"first_name", "last_name", "full_name", "email", "username", "company", "url"}
_MADE_FROM = {"email", "username", "url"}  # ... of those, made from the row's names and company
_PEOPLE = ("\0first", "\0last", "\0company")  # a row's names and company, beside its columns
_HEX = np.array(list("0123456789abcdef"))
_BCRYPT = np.array(list("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))


@dataclass(frozen=True)
class SemanticColumn:
    """A column to fill: its name, semantic type (:data:`~.detect.TYPES`), length bounds,
    uniqueness, and ``style``, the format its real values have (``abbr`` states, ``hex32`` hashes,
    ``bcrypt``, ``ipv6``; empty: the type's usual one); ``formats``: the masks its real phone
    numbers or postcodes share (:mod:`.formats`; empty: Faker's formats); ``repeat``: how often
    its real places or companies repeat (:mod:`.pools`; None: a fresh one per row); ``forms``:
    the shares of its real values' forms (:func:`~.toward.learn_forms`), which rows are drawn toward."""

    column: str
    type: str
    max_length: int | None = None
    min_length: int = 0
    unique: bool = False
    style: str = ""
    null_share: float = 0.0  # of real rows, NULL: used where the table model gives no NULLs of its own
    formats: tuple[Masks, ...] = ()
    repeat: Repeat | None = None
    forms: tuple[tuple[str, float], ...] = ()  # the forms its real values have, with shares (:mod:`.toward`)
    local_forms: tuple[tuple[str, float], ...] = ()  # an e-mail's: the forms of its row's names (:mod:`.emails`)

    @property
    def pooled(self) -> bool:
        """Whether rows share values from a pool (a place or company column whose values repeat)."""
        return self.repeat is not None and not self.unique and group_of(self.type) is not None

    def __post_init__(self):
        if self.type not in TYPES or TYPES[self.type].locale_source:
            raise ValueError(f"{self.type!r} is not a semantic type a generator fills")


def generate(columns: Sequence[SemanticColumn], locales: Sequence[str], rng: np.random.Generator,
             origins: Sequence[object] | None = None, present: dict[str, np.ndarray] | None = None,
             lengths: dict[str, np.ndarray] | None = None) -> dict[str, list]:
    """``{column: values}`` for ``len(locales)`` rows, row ``i`` in locale ``locales[i]``;
    ``origins[i]``: the value its locale was read from (its country), which picks the formats of
    that country's real rows (:attr:`SemanticColumn.formats`); ``present[column]``: the rows that
    will hold a value (the rest become NULL), which pooled columns share their pool among;
    ``lengths[column]``: each row's length as the table model drew it (NaN: none), which values
    and its form (:attr:`SemanticColumn.forms`) are drawn toward (:mod:`.toward`)."""
    n = len(locales)
    targets = _targets(columns, n, lengths or {}, rng)
    out = {c.column: [None] * n for c in columns}
    codes = np.asarray(locales, dtype=object)
    origins = [None] * n if origins is None else list(origins)
    present = present or {}
    sizes = {}
    for c in columns:
        if c.pooled:
            held = present.get(c.column, np.ones(n, dtype=bool))
            sizes[c.column] = (held, pool_sizes(c.repeat.distinct, Counter(codes[held].tolist())), set())
    for locale in sorted(set(locales)):
        rows = np.flatnonzero(codes == locale)
        pools = {column: _Pool(size.get(locale, 1), held[rows], taken) for column, (held, size, taken) in sizes.items()}
        here = {column: t.take(rows) for column, t in targets.items()}
        values = _rows(columns, locale, len(rows), rng, [origins[i] for i in rows], pools, here)
        for c in columns:
            for i, v in zip(rows, values[c.column]):
                out[c.column][i] = v
    for c in columns:
        out[c.column] = _fitted(c, out[c.column], codes, origins, rng)
    return out


def _targets(columns: Sequence[SemanticColumn], n: int, lengths: dict[str, np.ndarray],
             rng: np.random.Generator) -> dict[str, Targets]:
    """Each column's wanted length (the table model's) and form (drawn by the real shares) per row."""
    out = {}
    for c in columns:
        wanted = lengths.get(c.column)
        forms = draw_forms(c.forms, n, rng) if c.forms else None
        if wanted is not None or forms is not None:
            out[c.column] = Targets(None if wanted is None else np.asarray(wanted, dtype=float), forms)
    return out


@dataclass(frozen=True)
class _Pool:
    """A pooled column in one locale: its pool's size, which of the locale's rows hold a value,
    and the values other locales' pools hold (shared by all locales, filled as they go)."""

    size: int
    present: np.ndarray
    taken: set


def _rows(columns: Sequence[SemanticColumn], locale: str, n: int, rng: np.random.Generator,
          origins: list, pools: dict[str, _Pool] | None = None,
          targets: dict[str, Targets] | None = None) -> dict[str, list]:
    """``n`` rows of one locale: each column's values, the row's fields agreeing with each other;
    ``pools``: the pool size of each pooled column (:func:`_from_pools`); ``targets``: each
    row's wanted length and form per column, which rows are drawn again toward (pooled ones per member)."""
    targets = targets or {}
    pooled = _from_pools(columns, locale, n, rng, origins, pools, targets) if pools else {}
    out = _made(columns, locale, n, rng, origins, pooled)
    free = {c.column: c for c in columns if c.column in targets and c.column not in pooled}
    if not free:
        return out

    def redraw(some: Sequence[SemanticColumn]):
        return lambda rows: _made(some, locale, len(rows), rng, [origins[i] for i in rows],
                                  {c: [v[i] for i in rows] for c, v in pooled.items()})

    # a column no other is made from is drawn again alone; people's names and companies together,
    # then the e-mails, user names and web sites made from them alone
    for c in free.values():
        if c.type not in _LINKED and not c.formats and n >= POOL_FROM:  # any value could go to any row
            fresh = redraw([c])
            out[c.column] = toward_pooled(out[c.column], targets[c.column],
                                          lambda k, fresh=fresh, c=c: fresh(range(k))[c.column])
        elif c.type not in _LINKED:  # the formats of the row's own country
            out[c.column] = toward({c.column: out[c.column]}, {c.column: targets[c.column]}, redraw([c]))[c.column]
    people = {name: targets[name] for name, c in free.items() if c.type in _LINKED - _MADE_FROM}
    if people:
        keys = [c.column for c in columns if c.type in _LINKED and c.column not in pooled] + list(_PEOPLE)
        out |= toward({k: out[k] for k in keys}, people, redraw([c for c in columns if c.type in _LINKED]))
    for c in free.values():
        if c.type in _MADE_FROM:
            def again(rows, c=c):
                given = [[out[k][i] for i in rows] for k in _PEOPLE]
                return {c.column: _from_people({c.type}, _faker(locale), *given, locale, rng, c.local_forms)[c.type]}
            out[c.column] = toward({c.column: out[c.column]}, {c.column: targets[c.column]}, again)[c.column]
    return out


def _made(columns: Sequence[SemanticColumn], locale: str, n: int, rng: np.random.Generator,
          origins: list, pooled: dict[str, list]) -> dict[str, list]:
    """``n`` rows' values of ``columns``, those in ``pooled`` given, the others made to agree with them."""
    fake = _faker(locale)
    fake.seed_instance(int(rng.integers(2**63)))
    types = {c.type for c in columns}
    first, last = _names(fake, n, rng) if types & {"first_name", "last_name", "full_name", "email", "username"} \
        else ([], [])
    employer = next((c.column for c in columns if c.type == "company" and c.column in pooled), None)
    if employer is not None:  # e-mails and web sites go with the row's own (pooled) company
        company = pooled[employer]
    else:
        company = [fake.company() for _ in range(n)] if types & {"company", "url"} else [None] * n
    made: dict[str, list] = {"first_name": first, "last_name": last, "company": company}
    made |= _from_people(types, fake, first, last, company, locale, rng, next((c.local_forms for c in columns if c.local_forms), ()))
    out = {}
    for c in columns:
        if c.column in pooled:
            out[c.column] = pooled[c.column]
        else:
            out[c.column] = made[c.type] if c.type in made else _column(fake, c, n, rng, origins)
    return out | dict(zip(_PEOPLE, (first or [None] * n, last or [None] * n, company)))


def _from_people(types: set[str], fake: Faker, first: list, last: list, company: list, locale: str,
                 rng: np.random.Generator, local_forms: tuple[tuple[str, float], ...] = ()) -> dict[str, list]:
    """The values of ``types`` made from each row's first and last name and company; e-mails
    and user names in the ``local_forms`` real ones take (:mod:`.emails`)."""
    made = {}
    if "full_name" in types:
        made["full_name"] = [f"{b}{_SPACE.get(locale[:2], ' ')}{a}" if locale.startswith(_FAMILY_FIRST) else f"{a} {b}"
                             for a, b in zip(first, last)]
    if "email" in types:
        made["email"] = emails(fake, first, last, company, rng, local_forms)
    if "username" in types:
        made["username"] = [local_part(a, b, rng, fake, local_forms) for a, b in zip(first, last)]
    if "url" in types:
        made["url"] = [f"https://www.{company_domain(c, fake)}/" for c in company]
    return made


def _from_pools(columns: Sequence[SemanticColumn], locale: str, n: int, rng: np.random.Generator,
                origins: list, pools: dict[str, _Pool], targets: dict[str, Targets]) -> dict[str, list]:
    """The pooled columns' values of ``n`` rows: per group (places, companies) a pool of whole
    places made together, as many as the finest column's pool size; rows take pool members as
    often as :func:`~.pools.row_labels` says; coarser columns (a state over cities) take the
    values of one member of their group (:func:`~.pools.coarsen`), so a city keeps its state.
    Rows left NULL take the first member: the pool is shared among the rows holding a value."""
    out: dict[str, list] = {}
    for group in POOLED:
        members = sorted((c for c in columns if c.column in pools and group_of(c.type) == group),
                         key=lambda c: -c.repeat.distinct)  # finest first
        if not members:
            continue
        finest = pools[members[0].column]
        labels = np.zeros(n, dtype=np.int64)
        held = np.flatnonzero(finest.present)
        labels[held] = row_labels(len(held), finest.size, members[0].repeat.top, rng)
        k = int(labels.max()) + 1
        first_rows = np.unique(labels, return_index=True)[1]
        member_origins = [origins[i] for i in first_rows]
        plain = [replace(c, repeat=None) for c in members]
        # each member toward the length its first row holding a value asked for
        asking = held[np.unique(labels[held], return_index=True)[1]] if len(held) else first_rows
        made = _rows(plain, locale, k, rng, member_origins, targets={c: t.take(asking) for c, t in targets.items()})
        here = np.full(k, locale, dtype=object)
        rep = np.arange(k)
        for c in plain:  # each place apart from the others (here and in other locales), in bounds, before rows share it
            made[c.column] = _apart(c, made[c.column], pools[c.column].taken, locale, member_origins, rng)
            made[c.column] = _fitted(c, made[c.column], here, member_origins, rng)
            pools[c.column].taken.update(made[c.column])
        for c in members:
            if pools[c.column].size < len(np.unique(rep)):
                rep = coarsen(rep, labels, pools[c.column].size, c.repeat.top)
            out[c.column] = [made[c.column][rep[j]] for j in labels]
    return out


def _names(fake: Faker, n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """First and last names of ``n`` people, each one's names of one gender (Иван Петров, Анна Петрова)."""
    female = rng.random(n) < 0.5
    first = [fake.first_name_female() if f else fake.first_name_male() for f in female]
    last = [fake.last_name_female() if f else fake.last_name_male() for f in female]
    return first, last


def _column(fake: Faker, c: SemanticColumn, n: int, rng: np.random.Generator, origins: list) -> list:
    """Values of a column that depends on no other of the row (its locale aside)."""
    if c.formats:  # the database's own formats (its phones' and postcodes'), not the locale's
        return fill_formats(c.formats, origins, n, rng)
    if c.type in ("hash", "password") and c.style.startswith("hex"):
        width = int(c.style[3:])
        return ["".join(row) for row in _HEX[rng.integers(16, size=(n, width))]]
    if c.type == "password" and c.style == "bcrypt":
        return ["$2b$12$" + "".join(row) for row in _BCRYPT[rng.integers(len(_BCRYPT), size=(n, 53))]]
    if c.type == "city" and (city := city_drawer(_locale_of(fake), rng)) is not None:
        # Faker composes English-speaking towns (Johnsonmouth); real ones per country where listed
        return [city() for _ in range(n)]
    draw = _drawer(fake, c)
    return [draw() for _ in range(n)]


def _locale_of(fake: Faker) -> str:
    return str(fake.locales[0])


def _drawer(fake: Faker, c: SemanticColumn) -> Callable[[], str]:
    """The Faker call giving one value of ``c`` (the locale's own provider, or en_US's where it has none)."""
    names = {"phone": ("phone_number",), "street_address": ("street_address",), "city": ("city",),
             "state": ("state_abbr", "province_abbr", "administrative_unit", "state", "region") if c.style == "abbr"
             else ("administrative_unit", "state", "region", "province"),
             "postcode": ("postcode",), "job_title": ("job",), "password": ("password",),
             "ip_address": ("ipv6",) if c.style == "ipv6" else ("ipv4_public",), "hash": ("sha1",),
             }[c.type]
    for source in (fake, _faker(FALLBACK)):
        for name in names:
            method = getattr(source, name, None)
            if method is not None:
                try:
                    method()
                except (AttributeError, NotImplementedError, ValueError, TypeError):
                    continue
                return method if c.style != "abbr" or name.endswith("_abbr") else (lambda m=method: _abbreviated(m()))
    raise ValueError(f"Faker has no generator for {c.type}")  # pragma: no cover - en_US has them all


def _abbreviated(name: str) -> str:
    words = re.findall(r"[^\W\d_]+", name)
    return ("".join(w[0] for w in words) if len(words) > 1 else name[:2]).upper()


def _apart(c: SemanticColumn, values: list, taken: set, locale: str, origins: list,
           rng: np.random.Generator) -> list:
    """Pool members drawn again (a few rounds) while they repeat another member or a value of
    ``taken``: one name, one place (``AL`` is Alabama or Alagoas, not both); a short list may keep some."""
    for _ in range(_REDRAWS):
        seen, bad = set(taken), []
        for i, v in enumerate(values):
            if v in seen:
                bad.append(i)
            seen.add(v)
        if not bad:
            break
        fresh = _rows([c], locale, len(bad), rng, [origins[i] for i in bad])[c.column]
        for i, v in zip(bad, fresh):
            values[i] = v
    return values


def _fitted(c: SemanticColumn, values: list, locales: np.ndarray, origins: list, rng: np.random.Generator) -> list:
    """``values`` within the column's length bounds and, if UNIQUE, without repeats: the rows
    off are drawn again (in their locale), then cut or numbered."""
    for _ in range(_REDRAWS):
        bad = _offending(c, values)
        if not bad:
            return values
        for locale in sorted({locales[i] for i in bad}):
            rows = [i for i in bad if locales[i] == locale]
            fresh = _rows([c], locale, len(rows), rng, [origins[i] for i in rows])[c.column]
            for i, v in zip(rows, fresh):
                values[i] = v
    if c.max_length is not None:
        values = [v[:c.max_length] if v is not None else None for v in values]
    if c.unique:
        seen: set[str] = set()
        for i, v in enumerate(values):
            k = 1
            while values[i] in seen:
                k += 1
                suffix = str(k)
                values[i] = (v[:c.max_length - len(suffix)] if c.max_length else v) + suffix
            seen.add(values[i])
    return values


def _offending(c: SemanticColumn, values: list) -> list[int]:
    bad = [i for i, v in enumerate(values)
           if v is not None and (c.max_length is not None and len(v) > c.max_length or len(v) < c.min_length)]
    if c.unique:
        seen: set[str] = set()
        for i, v in enumerate(values):
            if v in seen:
                bad.append(i)
            seen.add(v)
    return sorted(set(bad))


@functools.cache
def _faker(locale: str) -> Faker:
    """One Faker per locale, built once (building one takes milliseconds); every use seeds it first."""
    return Faker(locale)
