"""Querysets compiled to SQL once, then run again with new values.

Django compiles a queryset to SQL every time it is evaluated.  Under
gunicorn with 32 writers, compiling the comment POST's five reads was half
of its CPU: keeping their SQL took gunicorn from 30.3 to 15.4 ms per
comment (docs/QUALITY.md, eighth session; in one thread of one process
it saves 12 % of the instructions).  A :class:`Prepared` query keeps what the
ORM compiled, per thread and database, and runs that SQL with the new
values, so the rule stays written once, as a queryset, in the module that
owns it::

    _TOKENS = Prepared(
        lambda key: Token.objects.select_related("user").filter(key=key), key=str
    )
    tokens = _TOKENS.run(key=presented_key)  # a list of Token instances

How it stays correct:

* **Every value that varies is a parameter** of ``build``, declared with its
  type (``int`` or ``str``).  The first time, ``build`` runs twice with two
  sets of stand-in values; both compilations must give the same SQL, with the
  stand-ins in the same places and every other parameter equal.  A value the
  query computes itself (``timezone.now()``) differs between the two and is
  refused (``ImproperlyConfigured``): it would be frozen in the SQL.
* **A value the database gets changed is not prepared.**  The string
  stand-ins hold ``%``, ``_`` and ``\\``; a lookup that escapes or wraps its
  value (``contains``; ``iexact`` on SQLite, which escapes LIKE patterns)
  hands the database something else, so the query is evaluated by the ORM as
  before on that database (logged once).  The answer is the same either way.
* **A value of another type, or None, is refused** (``TypeError``): ``None``
  compiles to ``IS NULL``, which the kept SQL does not say.
* **What it can answer**: model instances with ``select_related`` (as
  ``ModelIterable`` builds them) and ``values()`` dicts.  No
  ``prefetch_related``, ``values_list()`` or related managers
  (``ImproperlyConfigured``).
* **Per thread and database alias**: a compiler holds its connection, and a
  Django connection belongs to one thread.

Queries through it still pass Django's cursor, so the query-count tests and
``CaptureQueriesContext`` see them.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

logger = logging.getLogger(__name__)

# Two stand-ins per parameter, within a 32-bit integer column's range (an
# out-of-range integer compiles to an empty WHERE) and, for strings, with
# the characters LIKE-style lookups escape.
_INT_STANDINS = (1_900_000_011, 1_800_000_017)
_STR_STANDINS = ("pRe%p_a\\{}", "PrE%p_b\\{}")
_KINDS = (int, str)


def _standins(kinds: dict[str, type], which: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for offset, (name, kind) in enumerate(kinds.items()):
        if kind is int:
            values[name] = _INT_STANDINS[which] + offset * 101
        else:
            values[name] = _STR_STANDINS[which].format(name)
    return values


@dataclass
class _Compiled:
    sql: str
    # (parameter name, the type the compiler handed it as) or (None, constant):
    # PostgreSQL's backend may wrap an integer (psycopg's Int4) to type it.
    slots: list[tuple[str | None, Any]]
    hydrate: Callable[[list[tuple]], list]


class Prepared:
    """A queryset ``build(**values)`` compiled once per thread and database.

    ``kinds`` names each parameter of ``build`` and its type (``int`` or
    ``str``).  :meth:`run` returns a list: model instances or dicts, as the
    queryset would.
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        if not kinds or any(kind not in _KINDS for kind in kinds.values()):
            raise ImproperlyConfigured("Prepared needs parameters typed int or str.")
        self.build = build
        self.kinds = kinds
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"Prepared({getattr(self.build, '__qualname__', self.build)!r})"

    def run(self, **values) -> list:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"{self!r} takes {sorted(self.kinds)}, got {sorted(values)}.")
        for name, value in values.items():
            kind = self.kinds[name]
            if not isinstance(value, kind) or isinstance(value, bool):  # None: IS NULL
                raise TypeError(f"{self!r}: {name} must be {kind.__name__}, not {value!r}.")
        queryset = None
        alias = getattr(self._local, "alias", None)
        if alias is None:
            queryset = self.build(**values)
            alias = self._local.alias = queryset.db
        compiled = self._compiled(alias)
        if compiled is None:  # not preparable on this database: the ORM, as before
            return list(queryset if queryset is not None else self.build(**values))
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, _bind(compiled.slots, values))
            rows = cursor.fetchall()
        return compiled.hydrate(rows)

    def is_prepared(self, alias: str = "default") -> bool:
        """Whether this query runs from kept SQL on ``alias`` (False: through the ORM)."""
        return self._compiled(alias) is not None

    def _compiled(self, alias: str) -> _Compiled | None:
        cache = self._local.__dict__.setdefault("compiled", {})
        if alias not in cache:
            cache[alias] = self._compile(alias)
        return cache[alias]

    def _compile(self, alias: str) -> _Compiled | None:
        standins = [_standins(self.kinds, which) for which in (0, 1)]
        first, second = (self.build(**values) for values in standins)
        for queryset in (first, second):
            _check_supported(queryset)
        compiler = first.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        sql_b, params_b = second.query.get_compiler(using=alias).as_sql()
        if sql != sql_b or len(params) != len(params_b):
            raise ImproperlyConfigured(f"{self!r}: the SQL depends on a value not passed in.")
        by_standin = [{value: name for name, value in values.items()} for values in standins]
        slots: list[tuple[str | None, Any]] = []
        transformed = False
        for a, b in zip(params, params_b, strict=True):
            name_a = by_standin[0].get(a) if _is_value(a) else None
            name_b = by_standin[1].get(b) if _is_value(b) else None
            if name_a is not None and name_a == name_b and type(a) is type(b):
                slots.append((name_a, type(a)))
            elif a == b and name_a is None and name_b is None:
                slots.append((None, a))
            elif _transformed(a, by_standin[0]) and _transformed(b, by_standin[1]):
                transformed = True
            else:
                raise ImproperlyConfigured(
                    f"{self!r}: a value in the query changes between compilations "
                    f"({a!r}, {b!r}): make it a parameter."
                )
        if transformed:
            logger.info("%r runs through the ORM on %s: a lookup changes its value.", self, alias)
            return None
        if {name for name, _constant in slots if name} != self.kinds.keys():
            raise ImproperlyConfigured(f"{self!r}: a parameter does not reach the SQL as it is.")
        return _Compiled(sql=sql, slots=slots, hydrate=_hydrator(first, compiler, alias))


def _bind(slots: list[tuple[str | None, Any]], values: dict) -> list:
    """The query's parameters: each value as the compiler typed its stand-in."""
    params = []
    for name, held in slots:
        if name is None:
            params.append(held)  # a constant of the query
        else:
            value = values[name]
            params.append(value if type(value) is held else held(value))
    return params


def _is_value(param) -> bool:
    """An int or a str as a parameter may hold one (a subclass too: Int4), not a bool."""
    return isinstance(param, _KINDS) and not isinstance(param, bool)


def _transformed(value, standins: dict) -> bool:
    """Whether ``value`` is one of ``standins`` as a lookup handed it on:
    escaped, wrapped in ``%``, or upper-cased."""
    if not isinstance(value, str):
        return False
    flat = value.replace("\\", "").lower()
    return any(
        isinstance(standin, str) and standin.replace("\\", "").lower() in flat
        for standin in standins
    )


def _check_supported(queryset) -> None:
    if not isinstance(queryset, QuerySet):
        raise ImproperlyConfigured("Prepared's build must return a QuerySet.")
    if queryset._iterable_class not in (ModelIterable, ValuesIterable):
        raise ImproperlyConfigured("Prepared answers model instances or values() only.")
    # Private QuerySet state, which the stubs leave out.
    if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
        raise ImproperlyConfigured("Prepared does not prefetch or follow a related manager.")


def _hydrator(queryset: QuerySet, compiler, alias: str) -> Callable[[list[tuple]], list]:
    """Turn rows into what iterating ``queryset`` gives, as Django's own
    ``ModelIterable``/``ValuesIterable`` do with the compiler's state."""
    col_count = compiler.col_count
    fields = [column[0] for column in compiler.select[:col_count]]
    converters = compiler.get_converters(fields)  # once: results_iter asks on every call
    composite = compiler.has_composite_fields(fields)
    extra_select = compiler.has_extra_select  # ordering columns outside the select

    def converted(rows):
        if extra_select:
            rows = [row[:col_count] for row in rows]
        if converters:
            rows = compiler.apply_converters(rows, converters)
        if composite:
            rows = compiler.composite_fields_to_tuples(rows, fields)
        return rows

    if queryset._iterable_class is ValuesIterable:
        query = queryset.query
        names = (
            list(query.selected)
            if query.selected
            else [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
        )
        return lambda rows: [dict(zip(names, row, strict=True)) for row in converted(rows)]

    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map = compiler.annotation_col_map
    model_cls = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    # The stubs have Django 6.1's signature (a fourth fetch_mode); 5.2's takes three.
    populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]

    def objects(rows):
        found = []
        for row in converted(rows):
            obj = model_cls.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attr_name, position in (annotation_col_map or {}).items():
                setattr(obj, attr_name, row[position])
            found.append(obj)
        return found

    return objects
