"""Reads of supports and of the amendments they count on (issue 24).

Every list annotates its comments in the same SQL statement: ``supports`` (a
correlated count on the unique index (amendment, user)), ``supported`` (whether the
viewer supports it) and the current published decision
(``comments.threads.selectors.with_disposition``), so a list costs one query
however long it is.  Who reads what is ``comments.permissions``' one rule
(``readable_q``: an amendment's quote and replacement are its text).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce

from comments import permissions
from comments.models import AmendmentSupport, Comment
from comments.threads.selectors import with_disposition
from consult.models import Consultation, DocumentVersion, Section
from feedback.models import DispositionEntry, Status

AWAITING = "awaiting"  # the status filter for "no published decision yet"


def status_choices() -> list[str]:
    """What the amendments list's ``status`` filter takes: a decision, or ``awaiting``."""
    return [AWAITING, *Status.values]


def supports_count(*, comment: Comment) -> int:
    """How many people support the change ``comment`` proposes (one COUNT)."""
    return AmendmentSupport.objects.filter(amendment_id=comment.pk).count()


def _supports() -> Coalesce:
    """The supports of the outer comment's amendment, as a correlated subquery."""
    counted = (
        AmendmentSupport.objects.filter(amendment_id=OuterRef("pk"))
        .order_by()
        .values("amendment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _supported_by(viewer):
    """Whether ``viewer`` supports the outer comment's amendment (False for a visitor)."""
    if viewer is None or not viewer.is_authenticated:
        return Value(False)
    return Exists(AmendmentSupport.objects.filter(amendment_id=OuterRef("pk"), user_id=viewer.pk))


def _undecided() -> Q:
    """Comments with no published decision yet (no ledger entry)."""
    return ~Q(Exists(DispositionEntry.objects.filter(comment_id=OuterRef("pk"))))


def with_supports(comments: QuerySet[Comment], *, viewer) -> QuerySet[Comment]:
    """``comments`` with ``supports`` and ``supported`` (see the module docstring)."""
    return comments.annotate(supports=_supports(), supported=_supported_by(viewer))


def amendments_for_viewer(
    *,
    consultation: Consultation,
    viewer,
    is_staff: bool,
    section_key: str | None = None,
    status: str | None = None,
) -> QuerySet[Comment]:
    """The consultation's amendments whose text ``viewer`` may read, oldest first, with
    their amendment, section, ``supports``, ``supported`` and ``disposition_status``
    (None: awaiting).  ``status``: a decision's status or ``AWAITING``."""
    comments = Comment.objects.filter(
        permissions.readable_q(viewer, is_staff=is_staff),
        consultation=consultation,
        amendment__isnull=False,
    )
    if section_key:
        comments = comments.filter(section__key=section_key)
    if status == AWAITING:
        comments = comments.filter(_undecided())
    comments = with_disposition(
        with_supports(comments.select_related("amendment", "section"), viewer=viewer)
    )
    if status and status != AWAITING:
        # disposition_status: an annotation (with_disposition), which the plugin does not see
        comments = comments.filter(disposition_status=status)  # type: ignore[misc]
    return comments.order_by("created_at", "pk")


def section_key_known(*, consultation: Consultation, key: str) -> bool:
    """Whether any version of the consultation has a section ``key`` (one query)."""
    return Section.objects.filter(version__consultation=consultation, key=key).exists()


@dataclass(frozen=True)
class SupportState:
    """What the support button of one amendment shows: its ``count``, whether the viewer
    ``supported`` it, and whether to offer them the button (``can``:
    ``comments.permissions.can_support``)."""

    count: int
    supported: bool
    can: bool


def support_states_set(comments: list[Comment], *, viewer, is_staff: bool) -> None:
    """Set ``support`` (a :class:`SupportState`, or None for a comment that proposes no
    change) on each of ``comments``: one query for the whole page."""
    states = {}
    if comments:
        rows = with_supports(
            Comment.objects.filter(pk__in=[c.pk for c in comments], amendment__isnull=False),
            viewer=viewer,
        ).values("pk", "supports", "supported")  # type: ignore[misc]  # annotations
        states = {row["pk"]: row for row in rows}
    for comment in comments:
        row = states.get(comment.pk)
        comment.support = (  # type: ignore[attr-defined]  # for the template
            None
            if row is None
            else SupportState(
                count=row["supports"],
                supported=bool(row["supported"]),
                can=permissions.can_support(viewer, comment, is_staff=is_staff),
            )
        )


# The reader's view shows this many proposed changes at most, the most supported: the
# rest are in the paragraph's threads and the API (bench/supports.py: 500 rendered
# cost the page about a second).
PROPOSED_SHOWN = 20


@dataclass(frozen=True)
class ProposedChanges:
    """The reader's view of a paragraph: the ``shown`` changes and how many are open."""

    shown: Sequence[Comment]
    total: int


def open_amendments(
    *, section: Section, viewer, is_staff: bool, limit: int = PROPOSED_SHOWN
) -> ProposedChanges:
    """The reader's view of a paragraph: its open amendments (no published decision yet,
    not withdrawn) whose text ``viewer`` may read, the ``limit`` most supported first,
    each with ``support`` (:class:`SupportState`; the change and its context are
    drawn by ``comments/amendments/_change.html``), and how many there are in all
    (a window count in the same statement).  One query."""
    comments = list(
        with_supports(
            section.comments.filter(
                permissions.readable_q(viewer, is_staff=is_staff),
                _undecided(),
                amendment__isnull=False,
                withdrawn_at__isnull=True,
            ).select_related(
                "amendment", "round", "author__participant__group", "on_behalf_of__merged_into"
            ),
            viewer=viewer,
        )
        .annotate(total=Window(Count("pk")))
        .order_by("-supports", "created_at", "pk")[:limit]  # type: ignore[misc]  # an annotation
    )
    for comment in comments:
        comment.support = SupportState(  # type: ignore[attr-defined]
            count=comment.supports,  # type: ignore[attr-defined]
            supported=bool(comment.supported),  # type: ignore[attr-defined]
            can=permissions.can_support(viewer, comment, is_staff=is_staff),
        )
    return ProposedChanges(
        shown=comments,
        total=comments[0].total if comments else 0,
    )


def open_amendment_counts(*, version: DocumentVersion) -> dict[int, int]:
    """``{section id: open public amendments}`` for the sections of ``version``: the
    consultation page's marks, one grouped query.  Public ones only
    (``comments.permissions.public_q``): the page is the same for every reader."""
    rows = (
        Comment.objects.filter(
            permissions.public_q(),
            _undecided(),
            section__version=version,
            amendment__isnull=False,
        )
        .order_by()
        .values("section_id")
        .annotate(n=Count("pk"))
    )
    return {row["section_id"]: row["n"] for row in rows}


def supports_by_group(
    *, consultation: Consultation, public: bool
) -> dict[int | None, tuple[int, int]]:
    """``{stakeholder group id (None: no profile): (supporters, supports)}`` of the
    consultation's amendments: the participation figures' "supports", one grouped
    query.  ``public``: only supports of amendments anyone may read."""
    rows = AmendmentSupport.objects.filter(amendment__comment__consultation=consultation)
    if public:
        rows = rows.filter(permissions.public_q("amendment__comment__"))
    grouped = (
        rows.order_by()
        .values("user__participant__group_id")
        .annotate(people=Count("user_id", distinct=True), n=Count("pk"))
    )
    return {row["user__participant__group_id"]: (row["people"], row["n"]) for row in grouped}
