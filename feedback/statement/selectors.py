"""The public integrity statement of a consultation (issue 25): what was received
and how the record treats campaigns, co-signatures, disputes, moderation,
staff entry, the API, consent and redaction, beside the consultation's written
policies (``consult.consultations.policies``; ACUS Recommendation 2021-1).

What it counts: every top-level submission received (``parent`` null:
comments on the draft, its sections and the round's questions; replies are
conversation, not submissions), whatever its visibility or moderation:
private, hidden, withdrawn and pending ones too, as numbers only, which the
public may know (the ledger lists their receipts and statuses already).
Three queries whatever the size: one aggregate over the submissions, one over
the campaign clusters, one over the co-signatures, kept a minute in the cache.
The page, the API and the report all read :func:`integrity_statement`.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _

from comments.models import Comment, Dispute, Redaction, Signature
from consult.consultations.policies import Policy, policies_of
from consult.models import Consultation
from feedback.models import CampaignCluster

COUNTED_DISPUTE = (Dispute.Status.CONFIRMED, Dispute.Status.UPHELD)

# (figure, label): the page, the API's help and the report (PDF, DOCX) share them.
FIGURES = (
    ("submissions", _("Submissions received (private ones included)")),
    ("distinct_texts", _("Distinct texts among them")),
    ("clusters", _("Campaign clusters (near-identical submissions grouped)")),
    ("campaign_copies", _("Campaign copies (in clusters, beside their representative)")),
    ("co_signatories", _("Co-signatories (confirmed, not withdrawn)")),
    ("disputed", _("Submissions whose authorship is disputed")),
    ("confirmed_disputed", _("… confirmed by the named person or upheld")),
    ("hidden", _("Hidden by moderators")),
    ("entered_by_staff", _("Entered by staff (letters, email, meetings)")),
    ("received_through_api", _("Received through the API")),
    ("private", _("Not published, at the author's request")),
    ("anonymous", _("Published without the author's name")),
    ("redacted", _("With a passage redacted by the secretariat")),
)


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int


@dataclass(frozen=True)
class Statement:
    submissions: int
    distinct_texts: int  # distinct bodies, case and outer whitespace folded
    clusters: int  # campaign clusters (two or more near-identical submissions)
    campaign_copies: int  # members of the clusters but their representatives
    co_signatories: int  # confirmed, not withdrawn co-signatures
    disputed: int  # submissions with any authorship dispute
    confirmed_disputed: int  # ... confirmed by the named person, or upheld
    hidden: int  # hidden by a moderator
    entered_by_staff: int  # received offline, entered by the secretariat
    received_through_api: int
    private: int  # not published, by the author's choice
    anonymous: int  # published without the author's name
    redacted: int  # with a passage redacted by the secretariat
    policies: list[Policy]

    def rows(self) -> list[CountRow]:
        """Each figure with its label, in the order the page and the report show them."""
        return [CountRow(str(label), getattr(self, name)) for name, label in FIGURES]


def submissions_of(consultation: Consultation):
    """The submissions the statement counts: the consultation's top-level comments."""
    return Comment.objects.filter(consultation=consultation, parent__isnull=True)


# The figures are kept this long in the cache (plenary/cache.py: fail-open): the
# first aggregate reads every submission's body (bench/statement.py: 1.4 s for
# 100,000 on SQLite), too much for every visitor of a public page.
FIGURES_SECONDS = 60


def integrity_statement(*, consultation: Consultation, fresh: bool = False) -> Statement:
    """The statement's figures and policies: three queries, or none while the figures
    of the last minute are in the cache (``fresh``: count now, as the report does)."""
    key = f"integrity-figures:{consultation.pk}"
    figures = None if fresh else cache.get(key)
    if figures is None:
        figures = integrity_figures(consultation=consultation)
        cache.set(key, figures, FIGURES_SECONDS)
    return Statement(**figures, policies=policies_of(consultation))


def integrity_figures(*, consultation: Consultation) -> dict[str, int]:
    """Every figure of the statement, counted now: three queries."""
    disputes = Dispute.objects.filter(comment=OuterRef("pk"))
    counts = submissions_of(consultation).aggregate(
        submissions=Count("pk"),
        distinct_texts=Count(Lower(Trim("body")), distinct=True),
        disputed=Count("pk", filter=Q(Exists(disputes))),
        confirmed_disputed=Count(
            "pk", filter=Q(Exists(disputes.filter(status__in=COUNTED_DISPUTE)))
        ),
        hidden=Count("pk", filter=Q(moderation=Comment.Moderation.HIDDEN)),
        entered_by_staff=Count("pk", filter=Q(entered_by__isnull=False)),
        received_through_api=Count("pk", filter=Q(channel=Comment.Channel.API)),
        private=Count("pk", filter=Q(visibility=Comment.Visibility.PRIVATE)),
        anonymous=Count("pk", filter=Q(anonymous=True, visibility=Comment.Visibility.PUBLIC)),
        redacted=Count("pk", filter=Q(Exists(Redaction.objects.filter(comment=OuterRef("pk"))))),
    )
    clusters = CampaignCluster.objects.filter(consultation=consultation).aggregate(
        clusters=Count("pk", distinct=True),
        campaign_copies=Count("members", filter=~Q(members__comment_id=F("representative_id"))),
    )
    co_signatories = Signature.objects.filter(
        comment__consultation=consultation,
        confirmed_at__isnull=False,
        withdrawn_at__isnull=True,
    ).count()
    return {**counts, **clusters, "co_signatories": co_signatories}
