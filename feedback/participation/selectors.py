"""Participation balance: who took part in a consultation, and who did not (selectors).

One reader for every figure about participation, shared by the staff
dashboard (``balance_views``), the public summary and its API, the CSV and
the outcome report (``feedback.report.selectors.participation``), so that they can
never disagree.  Everything is read in a fixed number of aggregate queries
(GROUP BY), whatever the number of comments, and none of them scans the comments
(only the newcomers' probe reads each person's first comment, on an index): they
read ``comments.models.ParticipationTally``, counters per person, round, section and
channel that the writers keep in their transaction
(``comments.participation.services``; ``manage.py participation_counts --check``):

* comments per (author, channel, round): one aggregate over the person's counters,
  and the profiles (group, country, gender) of those authors.
  Group, region, country and gender are properties of the person, so the
  per-person sums add up exactly to per-cell participant and comment
  counts, the "ten most active" share is read off the same rows, and
  ``active`` is their number.  A person may use several channels and
  rounds, so those cells count the distinct people in them (sets in
  Python) and do not add up to the total;
  Input entered by staff (``comments.offline.services``: email, letter, meeting) has
  the staff member as its author, so its person is the named sender
  (``submitter_name``, blanks and case ignored) in a group of its own,
  ``OFFLINE`` ("not recorded"); such senders are not accounts, so they are
  in neither the newcomers nor the section-by-group matrix;
* the rounds (so that a round with nothing shows as 0);
* the stakeholder groups (so that a group with nobody shows as 0);
* the followers who did not comment, per group (registered = followers and
  anyone who commented);
* staff only: newcomers (people whose first comment anywhere on the site is
  in this consultation: a correlated subquery per person on the
  (author, created_at) index) and the section-by-group matrix (one GROUP BY
  over section key and group, for the sections of the current version).

What is counted depends on the audience:

* ``STAFF`` (the secretariat and analysts) count every comment: private,
  hidden, awaiting moderation and withdrawn ones too, as the outcome report
  always has.  A count shows no text, and the secretariat needs to see
  whose input it received, not only what was published.  Gender is shown.
* ``PUBLIC`` counts only the comments anyone may read (``comments.permissions.public_q``)
  and never gender.  Cells of fewer than ``SMALL_CELL`` people (but not 0)
  are suppressed (shown as "fewer than 5"), and when a table has exactly
  one suppressed cell the next smallest is suppressed as well, so that the
  total minus the others does not give it away (that one is shown as
  "hidden to protect a small group": it is not small).

``suppress_small_cells`` is the one rule for this; the outcome report
(``feedback.report.selectors.participation``), which is published, applies it
too and also hides every cell the public page hides.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils.translation import gettext as _
from django_countries import countries

from comments import permissions as comment_permissions
from comments.models import Comment, ParticipationTally
from comments.supports import selectors as support_selectors
from consult.consultations import selectors as consult_selectors
from consult.models import Consultation, Follow, Round, Section
from feedback.clusters.selectors import submission_counts
from stakeholders.models import Participant, StakeholderGroup
from stakeholders.registry.regions import REGIONS, region_of

STAFF = "staff"
PUBLIC = "public"
# Cells of fewer people than this (but more than none) are not shown publicly.
SMALL_CELL = 5
SMALL = "small"  # Cell.hidden: fewer than SMALL_CELL people
SECONDARY = "secondary"  # Cell.hidden: not small, hidden so that a small one stays hidden
# The "usual suspects": the share of comments written by this many of the most active.
TOP_N = 10
# A group is under-represented below this fraction of an equal share of
# participants (0.5 with six groups: below 1/12 of the participants), or with nobody.
UNDER_SHARE = 0.5
NO_PROFILE = "-"  # the key of the cell for people without a public profile
OFFLINE = "+"  # the key of the cell for senders of input entered by staff (group unknown)
NOT_STATED = ""  # the key of the gender cell for a blank answer

# The dimensions, in the order pages and the CSV list them.
DIMENSIONS = ("group", "region", "country", "gender", "channel", "round")
PUBLIC_DIMENSIONS = ("group", "region", "channel", "round")


@dataclass
class Cell:
    """One value of one dimension: how many people, and how many comments.

    ``participants`` and ``comments`` are None when the cell is suppressed.
    ``registered`` (groups only) adds the followers who did not comment.
    """

    key: str
    label: str
    participants: int | None
    comments: int | None
    registered: int | None = None
    newcomers: int | None = None
    share: float | None = None  # of all participants (groups only)
    under_represented: bool = False

    # Why the cell is suppressed: SMALL (fewer than SMALL_CELL people) or
    # SECONDARY (hidden so that the small one cannot be worked out); "" if shown.
    hidden: str = ""
    # Groups only (issue 24): supports of proposed changes by the group's members, and
    # how many members gave them; None when suppressed (``supports_hidden`` says why, as
    # ``hidden`` does: the small-cell rule applied to the supporters).
    supports: int | None = None
    supporters: int | None = None
    supports_hidden: str = ""

    @property
    def suppressed(self) -> bool:
        return self.participants is None

    @property
    def small(self) -> bool:
        """Suppressed because it has fewer than SMALL_CELL people (not a secondary cell)."""
        return self.hidden == SMALL


@dataclass
class Dimension:
    key: str
    title: str
    cells: list[Cell]
    # Whether the cells add up to the totals (a person is in one group, but may
    # use several channels).
    additive: bool = True


@dataclass
class SectionRow:
    """A section of the current version and, per group, the comments made on its key."""

    section: Section
    comments: list[int]  # aligned with Balance.groups
    missing: list[StakeholderGroup]


@dataclass
class Balance:
    consultation: Consultation
    audience: str
    comments: int
    participants: int  # active: wrote at least one counted comment
    registered: int  # followers and commenters
    top_comments: int  # comments by the TOP_N most active people
    top_people: int
    newcomers: int | None
    groups: list[StakeholderGroup]
    dimensions: dict[str, Dimension]
    sections: list[SectionRow] = field(default_factory=list)
    threshold: float = 0.0
    supports: int = 0  # supports of proposed changes (issue 24), all groups

    @property
    def top_share(self) -> float | None:
        return self.top_comments / self.comments if self.comments else None

    @property
    def under_represented(self) -> list[Cell]:
        return [cell for cell in self.dimensions["group"].cells if cell.under_represented]

    @property
    def gaps(self) -> list[SectionRow]:
        return [row for row in self.sections if row.missing]


def counted_comments(*, consultation: Consultation, audience: str = STAFF):
    """The comments an audience's figures count (see the module docstring)."""
    comments = Comment.objects.filter(consultation=consultation).order_by()
    if audience == PUBLIC:
        comments = comments.filter(comment_permissions.public_q())
    return comments


def counted_tally(*, consultation: Consultation, audience: str = STAFF):
    """The rows of ``comments.models.ParticipationTally`` an audience's figures count,
    and the column that counts them: the figures read these rows (one per person,
    round, section and channel), never the comments themselves.  They hold what
    ``counted_comments`` would count (``manage.py participation_counts --check``)."""
    column = "public" if audience == PUBLIC else "comments"
    rows = ParticipationTally.objects.filter(consultation=consultation, **{f"{column}__gt": 0})
    return rows.order_by(), column


def normalise_gender(value: str | None) -> str:
    """Self-described gender as one key: case and surrounding blanks do not make a new value."""
    return " ".join((value or "").split()).casefold()


def _scan(*, consultation: Consultation, audience: str) -> tuple[list[dict], dict, dict]:
    """Two queries: comments per (person, channel, round), summed over the maintained
    tally (``counted_tally``: a row per person and place, not per comment), and the
    profiles of those authors (a semi-join).

    Returns one row per author (group, country, gender, comment count) and,
    per channel and per round id, ``[set of authors, comments]``.  (Before the
    tally, the first query grouped every comment: 480/898 ms p50/p95 for the
    dashboard at 100,000 comments; bench/balance.py.)
    """
    tally, column = counted_tally(consultation=consultation, audience=audience)
    rows = tally.values("author_id", "offline", "sender", "channel", "round_id").annotate(
        n=Sum(column)
    )
    profiles = {
        row["user_id"]: row
        for row in Participant.objects.filter(
            user_id__in=tally.filter(offline=False).values("author_id")
        ).values("user_id", "group_id", "country", "gender")
    }
    per_author: dict = defaultdict(int)
    channels: dict = defaultdict(lambda: [set(), 0])
    rounds: dict = defaultdict(lambda: [set(), 0])
    for row in rows:
        author, n = row["author_id"], row["n"]
        if row["offline"]:
            # Input entered by staff (comments.offline.services): its author is the staff member
            # who typed it in; the person is the named sender (the tally's ``sender``: blanks
            # and case ignored), whose group is unknown.
            author = (OFFLINE, row["sender"])
        per_author[author] += n
        channels[row["channel"]][0].add(author)
        channels[row["channel"]][1] += n
        rounds[row["round_id"]][0].add(author)
        rounds[row["round_id"]][1] += n
    people = []
    for author, n in per_author.items():
        offline = isinstance(author, tuple)
        profile: Mapping[str, Any] = {} if offline else profiles.get(author, {})
        people.append(
            {
                "author_id": author,
                "offline": offline,
                "author__participant__group_id": profile.get("group_id"),
                "author__participant__country": profile.get("country"),
                "author__participant__gender": profile.get("gender"),
                "n": n,
            }
        )
    return people, channels, rounds


def _cells(totals: dict, labels: dict, order: list | None = None) -> list[Cell]:
    """Cells from ``{key: [participants, comments]}``, in ``order`` or by size."""
    keys = order if order is not None else sorted(totals, key=lambda k: (-totals[k][1], str(k)))
    return [
        Cell(
            key=str(key),
            label=str(labels.get(key, key)),
            participants=totals.get(key, (0, 0))[0],
            comments=totals.get(key, (0, 0))[1],
        )
        for key in keys
    ]


def balance_counts(*, consultation: Consultation, audience: str = STAFF) -> dict[str, Dimension]:
    """Participants and comments per group, region, country, gender, channel and round.

    Four queries (comments per author, channel and round; those authors'
    profiles; the groups; the rounds).  For the public audience, gender and
    country are left out and small cells are suppressed.
    """
    return _counts(consultation=consultation, audience=audience)[0]


def _counts(*, consultation: Consultation, audience: str):
    people, by_channel, by_round = _scan(consultation=consultation, audience=audience)
    groups = list(StakeholderGroup.objects.order_by("ordinal", "name"))
    slugs = {group.pk: group.slug for group in groups}
    no_profile = _("no public profile")

    by: dict[str, dict] = {name: defaultdict(lambda: [0, 0]) for name in DIMENSIONS[:4]}
    for row in people:
        group_id = row["author__participant__group_id"]
        country = row["author__participant__country"]
        has_profile = group_id is not None
        unknown = OFFLINE if row["offline"] else NO_PROFILE
        values = {
            "group": slugs[group_id] if has_profile else unknown,
            "region": region_of(country),
            "country": (country or NO_PROFILE) if has_profile else unknown,
            "gender": normalise_gender(row["author__participant__gender"])
            if has_profile
            else unknown,
        }
        for name, value in values.items():
            by[name][value][0] += 1
            by[name][value][1] += row["n"]

    # Groups are keyed by slug (stable across sites), every group listed, none or not.
    offline = _("sent by email, letter or at a meeting (not recorded)")
    group_labels = {group.slug: group.reader_name for group in groups}
    group_labels |= {NO_PROFILE: no_profile, OFFLINE: offline}
    group_order = [group.slug for group in groups]
    group_order += [key for key in (NO_PROFILE, OFFLINE) if key in by["group"]]
    group_cells = _cells(by["group"], group_labels, group_order)

    region_labels = {key: label for key, label in REGIONS.items()}
    region_order = [key for key in REGIONS if key in by["region"]]
    country_labels = {code: countries.name(code) or code for code in by["country"]}
    country_labels |= {NO_PROFILE: no_profile, OFFLINE: offline}
    gender_labels = {NOT_STATED: _("not stated"), NO_PROFILE: no_profile, OFFLINE: offline}

    channel_labels = dict(Comment.Channel.choices)
    channel_totals = {key: (len(who), n) for key, (who, n) in by_channel.items()}
    round_list = list(
        Round.objects.filter(consultation=consultation)
        .order_by("number")
        .values("pk", "number", "title")
    )
    round_totals = {
        row["number"]: (len(by_round[row["pk"]][0]), by_round[row["pk"]][1]) for row in round_list
    }
    round_labels = {
        row["number"]: ": ".join(
            filter(None, [_("Round %(number)d") % {"number": row["number"]}, row["title"]])
        )
        for row in round_list
    }

    dimensions = {
        "group": Dimension("group", _("By stakeholder group"), group_cells),
        "region": Dimension(
            "region", _("By region"), _cells(by["region"], region_labels, region_order)
        ),
        "country": Dimension("country", _("By country"), _cells(by["country"], country_labels)),
        "gender": Dimension("gender", _("By gender (self-described)"), []),
        "channel": Dimension(
            "channel", _("By channel"), _cells(channel_totals, channel_labels), additive=False
        ),
        "round": Dimension(
            "round",
            _("By round"),
            _cells(round_totals, round_labels, [row["number"] for row in round_list]),
            additive=False,
        ),
    }
    if audience == PUBLIC:
        del dimensions["gender"]
        del dimensions["country"]  # a country and a group together can name a person
        for dimension in dimensions.values():
            suppress_small_cells(dimension.cells)
    else:
        dimensions["gender"].cells = _cells(by["gender"], gender_labels)
    return dimensions, people, groups


def published_counts(*, consultation: Consultation) -> dict[str, Dimension]:
    """The staff figures (every comment counted) as they may be published, in the
    outcome report: gender left out, small cells suppressed by ``suppress_small_cells``
    and every cell the public page hides hidden too, so that the report never
    gives a number the public page keeps back.  Eight queries.
    """
    dimensions = balance_counts(consultation=consultation, audience=STAFF)
    del dimensions["gender"]
    public = balance_counts(consultation=consultation, audience=PUBLIC)
    for key, dimension in dimensions.items():
        hidden_publicly = frozenset(
            cell.key for cell in getattr(public.get(key), "cells", []) if cell.suppressed
        )
        suppress_small_cells(dimension.cells, also=hidden_publicly)
    return dimensions


def suppress_small_cells(cells: list[Cell], *, also: frozenset[str] = frozenset()) -> None:
    """The one small-cell rule, for every published figure (public page, API, CSV, report).

    Blank the cells of 1 to SMALL_CELL - 1 people (and those whose key is in
    ``also``: hidden elsewhere, e.g. on the public page); if that blanks
    exactly one, blank the next smallest too, so that subtraction from the
    total cannot recover it.  Each blanked cell says why in ``hidden``.
    """
    small = [
        c
        for c in cells
        if c.participants and (c.participants < SMALL_CELL or (c.key in also and not c.hidden))
    ]
    small += [c for c in cells if c.hidden and c not in small]  # already blanked
    secondary: list[Cell] = []
    if len(small) == 1:
        others = sorted(
            (c for c in cells if c.participants and c not in small),
            key=lambda c: c.participants or 0,
        )
        secondary = others[:1]
    for cell in small:
        cell.hidden = cell.hidden or SMALL
    for cell in secondary:
        cell.hidden = SECONDARY
    for cell in small + secondary:
        cell.participants = None
        cell.comments = None


def participation_balance(*, consultation: Consultation, audience: str = STAFF) -> Balance:
    """Everything the dashboard (``STAFF``) or the public summary (``PUBLIC``) shows.

    Staff: ten queries at most (the counts, registered, newcomers, supports by group,
    the current version's sections and the section-by-group matrix); public: six.
    """
    dimensions, people, groups = _counts(consultation=consultation, audience=audience)
    tally, _column = counted_tally(consultation=consultation, audience=audience)
    commenters = tally.filter(offline=False).values("author_id")
    total_comments = sum(row["n"] for row in people)
    active = len(people)
    top = sorted((row["n"] for row in people), reverse=True)[:TOP_N]

    # Registered: followers who did not comment (per group), plus the commenters.
    followers_only = (
        Follow.objects.filter(consultation=consultation)
        .exclude(user_id__in=commenters)
        .values("user__participant__group_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    slugs = {group.pk: group.slug for group in groups}
    extra: dict = defaultdict(int)  # by group slug
    for row in followers_only:
        extra[slugs.get(row["user__participant__group_id"], NO_PROFILE)] += row["n"]

    newcomer_counts: dict = {}
    if audience == STAFF:
        newcomer_counts = {
            slugs.get(group_id, NO_PROFILE): n
            for group_id, n in _newcomers(consultation=consultation, commenters=commenters).items()
        }

    # Decided on the true counts, also where the public summary suppresses them:
    # "under-represented" says less than the number does.
    true_people: dict = defaultdict(int)
    for row in people:
        true_people[slugs.get(row["author__participant__group_id"], NO_PROFILE)] += 1
    threshold = UNDER_SHARE / len(groups) if groups else 0.0
    for cell in dimensions["group"].cells:
        if cell.participants is not None:
            cell.registered = cell.participants + extra.get(cell.key, 0)
            cell.share = cell.participants / active if active else 0.0
        if audience == STAFF:
            cell.newcomers = newcomer_counts.get(cell.key, 0)
        if cell.key not in (NO_PROFILE, OFFLINE):
            people_here = true_people.get(cell.key, 0)
            cell.under_represented = people_here == 0 or people_here / active < threshold
    # A public cell suppressed for its participants hides its registered count too.
    balance = Balance(
        consultation=consultation,
        audience=audience,
        comments=total_comments,
        participants=active,
        registered=active + sum(extra.values()),
        top_comments=sum(top),
        top_people=len(top),
        newcomers=sum(newcomer_counts.values()) if audience == STAFF else None,
        groups=groups,
        dimensions=dimensions,
        threshold=threshold,
    )
    balance.supports = _supports_by_group(
        consultation=consultation, audience=audience, cells=dimensions["group"].cells, slugs=slugs
    )
    if audience == STAFF:
        balance.sections = _section_matrix(consultation=consultation, tally=tally, groups=groups)
    return balance


def _supports_by_group(
    *, consultation: Consultation, audience: str, cells: list[Cell], slugs: dict
) -> int:
    """Set each group cell's ``supports`` and ``supporters`` (issue 24: supporting a
    proposed change counts as taking part) and return the total: one grouped query
    (``comments.supports.selectors.supports_by_group``; public: supports of public
    amendments only).  Publicly, the small-cell rule applies to the supporters as to the
    participants, on a table of its own: ``suppress_small_cells`` on shadow cells."""
    counts: dict = defaultdict(lambda: [0, 0])
    for group_id, (people, n) in support_selectors.supports_by_group(
        consultation=consultation, public=audience == PUBLIC
    ).items():
        cell = counts[slugs.get(group_id, NO_PROFILE)]
        cell[0] += people
        cell[1] += n
    shadows = [
        Cell(
            key=cell.key,
            label=cell.label,
            participants=counts[cell.key][0],
            comments=counts[cell.key][1],
        )
        for cell in cells
    ]
    if audience == PUBLIC:
        suppress_small_cells(shadows)
    for cell, shadow in zip(cells, shadows, strict=True):
        cell.supporters, cell.supports = shadow.participants, shadow.comments
        cell.supports_hidden = shadow.hidden
    return sum(n for _people, n in counts.values())


def _newcomers(*, consultation: Consultation, commenters) -> dict:
    """People here whose first comment on the whole site is in this consultation, per
    group id: one query (a correlated subquery per person, on the author/time index)."""
    first = (
        Comment.objects.filter(author_id=OuterRef("pk"))
        .order_by("created_at", "pk")
        .values("consultation_id")[:1]
    )
    rows = (
        get_user_model()
        .objects.filter(pk__in=commenters)
        .annotate(first_consultation=Subquery(first))
        .filter(first_consultation=consultation.pk)
        .values("participant__group_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["participant__group_id"]: row["n"] for row in rows}


def _section_matrix(*, consultation: Consultation, tally, groups) -> list[SectionRow]:
    """Comments per (section of the current version, group): sections are matched by
    key, so comments on an earlier version's section with the same key count.  Read
    off the tally (staff: every comment), summed per (section, group)."""
    version = consult_selectors.version_current(consultation=consultation)
    if version is None:
        return []
    sections = list(consult_selectors.sections_of(version=version))
    keys = dict(Section.objects.filter(version__consultation=consultation).values_list("pk", "key"))
    counts: dict = defaultdict(int)
    for row in (
        tally.filter(section__gt=0, offline=False)
        .values("section", "author__participant__group_id")
        .annotate(n=Sum("comments"))
        .order_by()
    ):
        key = keys.get(row["section"])
        counts[(key, row["author__participant__group_id"])] += row["n"]
    matrix = []
    for section in sections:
        per_group = [counts[(section.key, group.pk)] for group in groups]
        matrix.append(
            SectionRow(
                section=section,
                comments=per_group,
                missing=[g for g, n in zip(groups, per_group, strict=True) if n == 0],
            )
        )
    return matrix


def balance_csv_rows(balance: Balance):
    """The long-format CSV's rows: (dimension, value, participants, comments).

    Totals come first (``total``: all, registered, newcomers, the ten most
    active), then every cell of every dimension, then (staff) the
    section-by-group matrix as ``section:<key>`` rows, one per group.
    """
    yield ("dimension", "value", "participants", "comments")
    yield ("total", "active", balance.participants, balance.comments)
    yield ("total", "registered", balance.registered, "")
    if balance.newcomers is not None:
        yield ("total", "newcomers", balance.newcomers, "")
    yield ("total", f"top {TOP_N}", balance.top_people, balance.top_comments)
    for dimension in balance.dimensions.values():
        for cell in dimension.cells:
            yield (
                dimension.key,
                cell.label,
                (f"<{SMALL_CELL}" if cell.small else "hidden")
                if cell.suppressed
                else cell.participants,
                "" if cell.suppressed else cell.comments,
            )
    # Supports of proposed changes by group (issue 24): supporters, supports.
    yield ("total", "supports", "", balance.supports)
    for cell in balance.dimensions["group"].cells:
        if cell.supports_hidden:
            shown = f"<{SMALL_CELL}" if cell.supports_hidden == SMALL else "hidden"
            yield ("supports", cell.label, shown, "")
        else:
            yield ("supports", cell.label, cell.supporters, cell.supports)
    for row in balance.sections:
        for group, n in zip(balance.groups, row.comments, strict=True):
            yield (f"section:{row.section.key}", group.reader_name, "", n)


# --- the consultation page's counts ------------------------------------------------

# A new comment adds to the cached counts instead of recounting them all, up to
# this many new comments at once (beyond: recount).
PAGE_COUNTS_DELTA_MAX = 500


def page_counts(*, consultation: Consultation) -> dict:
    """Public comment counts per section (of any version) and per round, for the page,
    and the consultation's public comments and campaign copies (``submissions``).

    A snapshot of the counts is cached with the newest comment it includes.
    Each page view probes the newest comment (one index probe on
    ``comment_consult_time_idx``); when comments arrived since the snapshot,
    only those are read and added (a short range of the same index), so a new
    comment shows in its paragraph's and round's counts at once without
    recounting 100,000 comments.  The snapshot is recounted in full when it is
    older than ``PLENARY_PAGE_COUNTS_SECONDS`` (or the cache lost it):
    moderation, withdrawal and the campaign clusters' "distinct" figure show
    within that time, as does a comment whose transaction committed after one
    with a higher id (the new ones are read by id).
    """
    newest = (
        Comment.objects.filter(consultation=consultation)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    key = f"plenary:page-counts:{consultation.pk}"
    snapshot = cache.get(key)
    now = time.time()  # wall clock: the snapshot may be shared by several processes
    if snapshot is not None and snapshot["newest"] == newest:
        return snapshot["counts"]
    fresh = (
        snapshot is not None
        and snapshot["newest"] is not None
        and now - snapshot["at"] < settings.PLENARY_PAGE_COUNTS_SECONDS
    )
    if fresh:
        counts = _counts_plus_new(consultation=consultation, snapshot=snapshot)
        if counts is not None:
            cache.set(
                key,
                {"newest": newest, "at": snapshot["at"], "counts": counts},
                settings.PLENARY_PAGE_COUNTS_SECONDS,
            )
            return counts
    counts = _counts_in_full(consultation=consultation)
    cache.set(
        key, {"newest": newest, "at": now, "counts": counts}, settings.PLENARY_PAGE_COUNTS_SECONDS
    )
    return counts


def _counts_plus_new(*, consultation: Consultation, snapshot: dict) -> dict | None:
    """The snapshot's counts plus the comments made since (None: too many, recount)."""
    rows = list(
        Comment.objects.filter(consultation=consultation, pk__gt=snapshot["newest"])
        .order_by()
        .values_list("section_id", "round_id", comment_permissions.public_flag(), "withdrawn_at")[
            : PAGE_COUNTS_DELTA_MAX + 1
        ]
    )
    if len(rows) > PAGE_COUNTS_DELTA_MAX:
        return None
    old = snapshot["counts"]
    by_section, by_round = dict(old["sections"]), dict(old["rounds"])
    submissions = old["submissions"]
    for section_id, round_id, public, _withdrawn_at in rows:
        if section_id is not None and public:
            by_section[section_id] = by_section.get(section_id, 0) + 1
        if public:
            by_round[round_id] = by_round.get(round_id, 0) + 1
    # A new public comment counts, and as distinct: it joins a campaign cluster
    # only when the clustering job (feedback.clusters.services) has run, and
    # the next full recount picks that up.
    added = sum(1 for _section, _round, public, _withdrawn_at in rows if public)
    submissions = dataclasses.replace(
        submissions,
        submissions=submissions.submissions + added,
        distinct=submissions.distinct + added,
    )
    return {"sections": by_section, "rounds": by_round, "submissions": submissions}


def _counts_in_full(*, consultation: Consultation) -> dict:
    # Summed over the maintained tally (comments.models.ParticipationTally), grouped by
    # (section, round): a paragraph and a round count the comments anyone may read
    # (its ``public`` column, comments.permissions.public_q).
    tally, column = counted_tally(consultation=consultation, audience=PUBLIC)
    groups = tally.values_list("section", "round_id").annotate(public=Sum(column))
    by_section: dict[int, int] = {}
    by_round: dict[int, int] = {}
    for section_id, round_id, public in groups:
        if section_id:
            by_section[section_id] = by_section.get(section_id, 0) + public
        by_round[round_id] = by_round.get(round_id, 0) + public
    return {
        "sections": by_section,
        "rounds": by_round,
        # Public comments and campaign copies (feedback.clusters), counted with the rest.
        "submissions": submission_counts(consultation=consultation),
    }
