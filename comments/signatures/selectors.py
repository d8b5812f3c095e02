"""Co-signature reads: the counts every page, export and the report give ("1
submission, N co-signatories", by stakeholder group where known), and the
secretariat's list of signatories.  One grouped query per page, whatever the
number of submissions."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comments import permissions
from comments.models import Comment, Signature, SignatureLink


def counted_q(prefix: str = "") -> Q:
    """The signatures that count: confirmed and not withdrawn (an erased
    signatory's too: the row stays, anonymised)."""
    return Q(**{f"{prefix}confirmed_at__isnull": False, f"{prefix}withdrawn_at__isnull": True})


@dataclass
class SignatureCount:
    """The co-signatories of one submission: the total and, where the group is known,
    per stakeholder group (``by_group``: (group name, n), largest first)."""

    total: int = 0
    by_group: list[tuple[str, int]] = field(default_factory=list)

    def line(self) -> str:
        """ "1 submission, 12,403 co-signatories (9,000 Citizens, 3,403 Businesses)"."""
        return signature_line(self)


def signature_line(count: SignatureCount) -> str:
    text = ngettext(
        "1 submission, %(n)s co-signatory", "1 submission, %(n)s co-signatories", count.total
    ) % {"n": f"{count.total:,}"}
    if count.by_group:
        groups = ", ".join(f"{n:,} {name}" for name, n in count.by_group)
        text += " " + _("(%(groups)s)") % {"groups": groups}
    return text


def signature_counts(*, comments: Iterable[int] | QuerySet) -> dict[int, SignatureCount]:
    """Per submission id, its :class:`SignatureCount`; submissions without a counted
    signature are absent.  ``comments``: ids, or a ``values("pk")`` queryset (then the
    whole is one query)."""
    if not isinstance(comments, QuerySet):
        comments = list(comments)
        if not comments:
            return {}
    rows = (
        Signature.objects.filter(counted_q(), comment_id__in=comments)
        .values("comment_id", "group__name")
        .annotate(n=Count("pk"))
        .order_by("comment_id", "-n", "group__name")
    )
    counts: dict[int, SignatureCount] = {}
    for row in rows:
        count = counts.setdefault(row["comment_id"], SignatureCount())
        count.total += row["n"]
        if row["group__name"]:
            count.by_group.append((row["group__name"], row["n"]))
    return counts


def signature_count(*, comment: Comment) -> int:
    return Signature.objects.filter(counted_q(), comment=comment).count()


def pending_count(*, comment: Comment) -> int:
    """Signatories who have not confirmed yet (they do not count)."""
    return Signature.objects.filter(
        comment=comment, confirmed_at__isnull=True, withdrawn_at__isnull=True
    ).count()


def has_signed(*, user, comment: Comment) -> bool:
    if not user.is_authenticated:
        return False
    return Signature.objects.filter(comment=comment, user=user, withdrawn_at__isnull=True).exists()


def signatories(*, comment: Comment) -> QuerySet[Signature]:
    """Every signature of ``comment``, counted or not, newest first, with what the
    secretariat's list shows (name, group, source): one query."""
    return (
        Signature.objects.filter(comment=comment)
        .select_related("user__participant", "group", "converted_from", "link__organisation")
        .order_by("-created_at", "-pk")
    )


def open_links(*, comment: Comment) -> QuerySet[SignatureLink]:
    """The signature links of ``comment`` still open, newest first."""
    return SignatureLink.objects.filter(
        comment=comment, closed_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class SignaturePanel:
    """What the receipt page shows of a submission's co-signatures, and to whom the
    buttons are offered (flags from ``comments.permissions``; templates restate no rule)."""

    count: SignatureCount | None
    sign: bool
    withdraw: bool
    collect: bool
    list: bool
    sign_in: bool = False  # a visitor: "sign in to co-sign" while it takes signatures


def signature_panel(*, viewer, comment: Comment) -> SignaturePanel:
    signed = has_signed(user=viewer, comment=comment)
    withdrawable = signed and comment.round.is_open()
    return SignaturePanel(
        count=signature_counts(comments=[comment.pk]).get(comment.pk),
        sign=not signed and permissions.can_sign(viewer, comment),
        withdraw=withdrawable,
        collect=permissions.can_collect_signatures(viewer, comment),
        list=permissions.can_list_signatories(viewer, comment),
        sign_in=not viewer.is_authenticated and permissions.signable_refusal(comment) is None,
    )


def signature_counts_set(comments: Iterable[Comment]) -> None:
    """Set ``signature_count`` (a :class:`SignatureCount`, or None) on each comment
    in memory, for lists and threads: one query whatever their number."""
    comments = list(comments)
    counts = signature_counts(comments=[comment.pk for comment in comments])
    for comment in comments:
        comment.signature_count = counts.get(comment.pk)  # type: ignore[attr-defined]


def counted_signatures(outer: str = "pk") -> Coalesce:
    """The counted co-signatures of the comment ``OuterRef(outer)``, as a column (0
    when none): for exports that read ``values()`` rows in one query."""
    per_comment = (
        Signature.objects.filter(counted_q(), comment=OuterRef(outer))
        .order_by()
        .values("comment")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(per_comment, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class SignatureTotals:
    """A consultation's co-signatures: how many submissions have any, and how many
    co-signatories in all (public submissions only, as every public figure)."""

    submissions: int
    signatories: int

    def line(self) -> str:
        return ngettext(
            "%(n)s co-signatory of %(k)s submission",
            "%(n)s co-signatories of %(k)s submissions",
            self.signatories,
        ) % {"n": f"{self.signatories:,}", "k": f"{self.submissions:,}"}


def consultation_signature_totals(*, consultation) -> SignatureTotals:
    row = Signature.objects.filter(
        counted_q(), permissions.public_q("comment__"), comment__consultation=consultation
    ).aggregate(signatories=Count("pk"), submissions=Count("comment", distinct=True))
    return SignatureTotals(submissions=row["submissions"], signatories=row["signatories"])
