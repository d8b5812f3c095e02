"""Full-text search over comments, replies and the text of their attachments.

One interface, ``comment_search(*, consultation, query, viewer, ...)``, two engines:

- **PostgreSQL**: in the comment's language.  Each row's text search
  configuration follows ``Comment.language`` (``config_name_sql``: english,
  french, spanish, portuguese by the code before any "-", ``simple``
  otherwise), and the row matches when ``to_tsvector(cfg, search_text) @@
  websearch_to_tsquery(cfg, q)`` (quotes for phrases, ``or``, ``-word``), so
  "réseaux" finds "réseau" in a French comment.  One partial GIN index per
  configuration (``comment_search_idx_<config>``, comments migration 0010:
  ``to_tsvector('<config>', search_text) WHERE <row's config> = '<config>'``)
  and a WHERE written as the OR of the five (``Matches``): PostgreSQL answers
  it with a BitmapOr of the five indexes and re-parses no row (a per-row
  ``websearch_to_tsquery(cfg_row, q)`` could use no index).  Ranked by
  ``ts_rank``, with a ``ts_headline`` snippet, both in the row's configuration.
  (Django's ``SearchVector`` wraps the column in ``COALESCE(...)``, which no
  longer matches the index expression: hence the small expressions below;
  tests/comments/search/test_search.py checks the plan.)
- **SQLite** (the embedded default): every word or "quoted phrase" must occur
  (case-insensitive containment), ``-word`` must not; newest first; a snippet
  around the first hit, cut in Python.

Both return ``SearchResults`` of ``SearchHit(comment, rank, snippet)``, where
``snippet`` is safe HTML: the comment's text escaped, then the matches wrapped
in ``<mark>``.  ``Comment.search_text`` (body + attachments' text) is kept by
the services (comments/threads/services.py, comments/attachments/services.py).

Who finds what: the consultation's staff every comment; everyone else the
public ones and their own: ``comments.permissions.readable_q``, the rule pages use.
"""

import json
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchQueryField,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    DateTimeField,
    F,
    FloatField,
    Func,
    QuerySet,
    Subquery,
    TextField,
)
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from comments import permissions
from comments.models import Comment
from comments.threads.selectors import with_disposition
from consult import permissions as consult_permissions
from consult.models import Consultation

QUERY_MAX_CHARS = 200
PER_PAGE = 20
# PostgreSQL ranks the newest RANK_WINDOW matches (see _pg_hits); pages stop there.
RANK_WINDOW = 200
RANK_CHARS = 2000
SNIPPET_CHARS = 240
# ts_headline marks its matches with these; the text is escaped first, then
# they become <mark>...</mark>: user text is never marked safe as HTML.
_START, _STOP = "\ue000", "\ue001"
# What a hit's byline shows (includes/author.html: group, organisation and the
# one it was merged into), read with the hit rather than per row.
HIT_RELATED = ("section", "author__participant__group", "on_behalf_of__merged_into")


# Comment.language (its code before any "-") -> PostgreSQL text search configuration.
CONFIGS = {"en": "english", "fr": "french", "es": "spanish", "pt": "portuguese"}


ALL_CONFIGS = [*CONFIGS.values(), "simple"]


def config_name_sql(language_sql: str) -> str:
    """The name of the row's configuration (text), written exactly as the partial GIN
    indexes' predicates (migration 0010) write it: an immutable expression."""
    whens = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in CONFIGS.items())
    return f"(CASE lower(split_part({language_sql}, '-', 1)) {whens} ELSE 'simple' END)"


def config_sql(language_sql: str) -> str:
    """The row's configuration as a ``regconfig``, for ts_rank and ts_headline."""
    whens = " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in CONFIGS.items())
    return f"CASE lower(split_part({language_sql}, '-', 1)) {whens} ELSE 'simple'::regconfig END"


def matches_sql(language_sql: str, text_sql: str) -> str:
    """The row matches the query (one ``%s`` per configuration): one arm per partial index."""
    name = config_name_sql(language_sql)
    arms = [
        f"({name} = '{c}' AND to_tsvector('{c}'::regconfig, {text_sql}) "
        f"@@ websearch_to_tsquery('{c}'::regconfig, %s))"
        for c in ALL_CONFIGS
    ]
    return "(" + " OR ".join(arms) + ")"


class _RowSearch(Func):
    """A text search expression in each row's configuration, over ``language`` and
    ``search_text``; subclasses give ``sql_template`` with {config}, {text} and {query}
    (each {query} is one ``%s`` parameter, the typed query)."""

    sql_template = ""
    n_queries = 0

    def __init__(self, query: str = "", *, text: str = "search_text", **extra):
        self.search_query = query
        super().__init__(F("language"), F(text), **extra)

    def as_sql(self, compiler, connection, *args, **extra_context):
        language, text = self.get_source_expressions()
        language_sql, language_params = compiler.compile(language)
        text_sql, text_params = compiler.compile(text)
        if language_params or text_params:
            raise ValueError("row search expressions take columns, not parameters")
        sql = self.sql_template.format(
            config=config_sql(language_sql),
            text=text_sql,
            matches=matches_sql(language_sql, text_sql),
        )
        return sql, tuple([self.search_query] * sql.count("%s"))


class Document(_RowSearch):
    """``to_tsvector(<row's config>, search_text)``: the GIN index's own expression."""

    sql_template = "to_tsvector({config}, {text})"
    output_field = SearchVectorField()


class Matches(_RowSearch):
    """True when the row matches ``query`` parsed in the row's configuration; written so
    that the partial GIN indexes answer it (see the module docstring)."""

    output_field = BooleanField()
    conditional = True
    sql_template = "{matches}"


class RowQuery(_RowSearch):
    """``websearch_to_tsquery(<row's config>, query)``, for ts_rank and ts_headline."""

    sql_template = "websearch_to_tsquery({config}, %s)"
    output_field = SearchQueryField()


class RowConfig(_RowSearch):
    """The row's configuration (``regconfig``), for ts_headline."""

    sql_template = "({config})"
    output_field = TextField()


@dataclass
class SearchHit:
    comment: Comment
    rank: float
    snippet: SafeString


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    # True on the last page PostgreSQL ranks (RANK_WINDOW): older matches exist.
    capped: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def clean_query(query: str | None) -> str:
    """The query, trimmed; ValidationError on ``q`` when empty or too long."""
    query = (query or "").replace("\x00", "").strip()
    if not query:
        raise ValidationError({"q": _("Type a word or a phrase to search for.")})
    if len(query) > QUERY_MAX_CHARS:
        raise ValidationError(
            {
                "q": _("A search can be at most %(limit)d characters long.")
                % {"limit": QUERY_MAX_CHARS}
            }
        )
    return query


# -- SQLite: words and "phrases" ---------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]+)"|(-?)(\S+)')


def _terms(query: str) -> tuple[list[str], list[str]]:
    """(required, excluded) terms of a websearch-style query, for the SQLite engine."""
    required: list[str] = []
    excluded: list[str] = []
    for minus_phrase, phrase, minus_word, word in _TOKEN.findall(query):
        term = (phrase or word).strip().strip(".,;:!?()[]{}'")
        if not term or (word and term.lower() == "or"):
            continue
        (excluded if (minus_phrase or minus_word) else required).append(term)
    return required, excluded


def _sqlite_match(comments: QuerySet[Comment], query: str) -> QuerySet[Comment]:
    required, excluded = _terms(query)
    if not required:
        return comments.none()
    for term in required:
        comments = comments.filter(search_text__icontains=term)
    for term in excluded:
        comments = comments.exclude(search_text__icontains=term)
    return comments


def _mark(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, with every occurrence of ``terms`` in <mark>."""
    if not terms:
        return SafeString(escape(text))
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 -- every piece of user text is escaped above


def _sqlite_snippet(text: str, query: str) -> SafeString:
    required, _excluded = _terms(query)
    folded = text.casefold()
    positions = [folded.find(t.casefold()) for t in required]
    first = min((p for p in positions if p >= 0), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    end = start + SNIPPET_CHARS
    window = " ".join(text[start:end].split())
    window = ("… " if start else "") + window + (" …" if end < len(text) else "")
    return _mark(window, required)


# -- PostgreSQL ------------------------------------------------------------------------


def pg_query(query: str) -> SearchQuery:
    """The typed ``query`` in ``simple`` (web-search syntax, no stemming): for callers
    outside the comments' per-language search."""
    return SearchQuery(query, search_type="websearch", config="simple")


_NEGATED_PHRASE = re.compile(r'-\s*"[^"]*"?')


def _pg_match(comments: QuerySet[Comment], query: str) -> QuerySet[Comment]:
    # The condition is for the WHERE only, never selected.
    return comments.filter(Matches(query))


def _pg_snippet(headline: str | None) -> SafeString:
    text = " ".join((headline or "").split())
    html = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 -- the text is escaped; only our markers become tags


# -- the interface -----------------------------------------------------------------------


def matching(comments: QuerySet[Comment], query: str) -> QuerySet[Comment]:
    """``comments`` narrowed to those whose text (or attachments' text) matches ``query``.

    For lists that keep their own order and filters (the triage workbench).
    """
    return _pg_match(comments, query) if uses_postgres() else _sqlite_match(comments, query)


class Rank(_RowSearch):
    """``ts_rank`` of the row's tsvector of its first RANK_CHARS characters only, in its
    configuration.

    Recomputed per candidate (there is no stored tsvector column), so its cost
    is bounded: a 100,000-character paper would otherwise cost milliseconds.
    """

    sql_template = (
        f"ts_rank(to_tsvector({{config}}, left({{text}}, {RANK_CHARS})), "
        "websearch_to_tsquery({config}, %s))"
    )
    output_field = FloatField()


def _loose(query: str) -> str | None:
    """The query with its "phrases" as plain words, when that finds a superset.

    GIN stores no word positions: a phrase is checked by re-parsing every row
    that has its words (about 85 µs a comment here), and PostgreSQL misjudges how
    many rows a phrase matches.  So the newest candidates are found with the
    words alone (exact in the index), and the phrase is checked among them.
    None when the query has no phrase, or when "or" makes the loose form no
    superset of the exact one.
    """
    if '"' not in query or re.search(r"\bor\b", query, re.I):
        return None
    loose = _NEGATED_PHRASE.sub(" ", query).replace('"', " ").strip()
    return loose or None


class _NoIndex(Func):
    """``created_at`` as an expression no index provides: the plan must use the GIN index."""

    template = "(%(expressions)s + interval '0 seconds')"
    output_field = DateTimeField()


def _estimate(query: str) -> tuple[int, int]:
    """The planner's estimate of the comments matching ``query``, and of all comments.

    Two catalogue look-ups, no table read: the extended statistics of
    migration 0010 (ANALYZE) give the share of each configuration and the
    selectivity of each word in it.
    """
    # The SQL is built from constants only (CONFIGS); the query is a parameter.
    where = matches_sql("language", "search_text")
    sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM comments_comment WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [query] * len(ALL_CONFIGS))
        plan = cursor.fetchone()[0]
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'comments_comment'::regclass")
        total = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"]), int(max(total, 0))


def _pg_hits(base: QuerySet[Comment], query: str, *, offset: int, limit: int) -> list:
    """Three steps, two queries: the newest RANK_WINDOW matches (one subquery),
    ranked, a page of them; then those rows with their headline.

    Why a window: ``ts_rank`` must rebuild each candidate's tsvector (about 85
    µs for a short comment here); ranking every match of a word in a third of
    100,000 comments took over a second.  So the ranking is over the newest
    RANK_WINDOW matches, which PostgreSQL finds through the GIN index (rare
    words) or by walking ``created_at`` backwards (common ones), and
    ``ts_headline``, dearer still, runs for the rows of the page only.
    """
    loose = _loose(query)
    matches, total = _estimate(loose or query)
    # Walking created_at backwards re-parses ~RANK_WINDOW * total / matches rows
    # (~85 µs each); the GIN bitmap visits every match (~6 µs each, no parsing).
    # PostgreSQL prices the parsing far too low and walks back for words in a few
    # per cent of the comments (0.8 s at 100,000), so the choice is made here.
    walk_back = matches * matches > 14 * RANK_WINDOW * max(total, 1)
    newest = F("created_at") if walk_back else _NoIndex(F("created_at"))
    candidates = (
        _pg_match(base, loose or query)
        .order_by(newest.desc(), F("pk").desc())
        .values("pk")[:RANK_WINDOW]
    )
    ranked = Comment.objects.filter(pk__in=Subquery(candidates))
    if loose:
        ranked = _pg_match(ranked, query)  # the phrase itself, among the candidates
    page = list(
        ranked.annotate(rank=Rank(query))
        .order_by("-rank", "-created_at", "-pk")
        .values_list("pk", "rank")[offset : offset + limit + 1]
    )
    if not page:
        return []
    rows = (
        with_disposition(
            base.filter(pk__in=[pk for pk, _rank in page]).select_related(*HIT_RELATED)
        )
        .defer("search_text", "body", "body_html")
        .annotate(
            headline=SearchHeadline(
                F("search_text"),
                RowQuery(query),
                config=RowConfig(),
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        .order_by()
    )
    by_pk = {row.pk: row for row in rows}
    return [
        SearchHit(by_pk[pk], float(rank), _pg_snippet(by_pk[pk].headline))
        for pk, rank in page
        if pk in by_pk
    ]


def comment_search(
    *,
    consultation: Consultation,
    query: str,
    viewer,
    is_staff: bool | None = None,
    limit: int = PER_PAGE,
    page: int = 1,
) -> SearchResults:
    """One page of the comments of ``consultation`` that match ``query`` and ``viewer`` may read.

    (The triage workbench combines search with its filters through
    :func:`matching`, in feedback/ledger/filters.py.)  Best match first on PostgreSQL (among the
    RANK_WINDOW newest matches: see ``_pg_hits``), newest first on SQLite.
    ``page`` starts at 1; two queries on PostgreSQL, one on SQLite (plus the
    staff check when ``is_staff`` is not given).  Raises ValidationError on ``q``.
    """
    query = clean_query(query)
    if is_staff is None:
        is_staff = consult_permissions.is_staff_of(viewer, consultation)
    base = Comment.objects.filter(consultation=consultation).filter(
        permissions.readable_q(viewer, is_staff=is_staff)
    )
    page = max(1, page)
    offset = (page - 1) * limit
    if uses_postgres():
        hits = _pg_hits(base, query, offset=offset, limit=limit)
    else:
        rows = list(
            with_disposition(_sqlite_match(base, query).select_related(*HIT_RELATED))
            .defer("body", "body_html")
            .order_by("-created_at", "-pk")[offset : offset + limit + 1]
        )
        required, _excluded = _terms(query)
        hits = [
            SearchHit(
                row,
                float(sum(row.search_text.casefold().count(t.casefold()) for t in required)),
                _sqlite_snippet(row.search_text, query),
            )
            for row in rows
        ]
    results = SearchResults(query=query, hits=hits[:limit], page=page, has_next=len(hits) > limit)
    if uses_postgres() and offset + limit >= RANK_WINDOW:
        # The last page of the ranked window: more may match, further back in time.
        results.capped, results.has_next = len(hits) >= limit, False
    return results
