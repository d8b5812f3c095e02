"""feedback's rules, one function per kind of object: who may decide dispositions
(the secretariat, per consult.permissions) and appeal one (the commenter, within
the window, one open appeal at a time); who manages themes, sees the campaign
clusters, builds the outcome report, and answers or reads the evaluation.

Services call ``require_*``; pages ask ``can_*`` and hand templates a flag.  The
few facts the rules read (the current decision, an open appeal, who took part)
are read here too, since a rule may not import a feature's selectors."""

from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from comments.models import Comment
from consult import permissions as consult_permissions
from consult.models import Answer, Consultation
from feedback.models import Appeal, Assignment, Coding, CommentPoint, DispositionEntry


# --- the ledger's facts the rules read (selectors and pages read them here too) -----
def current_disposition(*, comment: Comment) -> DispositionEntry | None:
    return (
        DispositionEntry.objects.filter(comment=comment)
        .select_related("target_section", "duplicate_of")
        .order_by("-sequence")
        .first()
    )


def appeal_window_closes_at(*, entry: DispositionEntry) -> datetime:
    """The last moment the commenter may appeal this published decision."""
    return entry.published_at + timedelta(days=settings.PLENARY_APPEAL_WINDOW_DAYS)


def appeal_open_exists(*, comment: Comment) -> bool:
    """Whether the comment has an appeal not answered yet."""
    return Appeal.objects.filter(comment=comment, answers__isnull=True).exists()


# --- what awaits a decision (triage, the desk, reminders, the report, the API) ------------


def team_author_q(consultation: Consultation) -> Q:
    """Comments whose author holds any role on ``consultation`` now (any object permission
    on it, directly or through a group): secretariat, moderators, analysts, and any role
    added later, since a role is a bundle of such permissions.  Read as ``author_id IN
    (the few team members)``, an index lookup per member."""
    on_it = {
        "content_type": ContentType.objects.get_for_model(Consultation),
        "object_pk": str(consultation.pk),
    }
    groups = GroupObjectPermission.objects.filter(**on_it).values("group_id")
    return Q(author_id__in=UserObjectPermission.objects.filter(**on_it).values("user_id")) | Q(
        author_id__in=get_user_model()
        .groups.through.objects.filter(group_id__in=groups)
        .values("user_id")
    )


def team_response_q(consultation: Consultation | None = None) -> Q:
    """Comments and replies the consultation's team wrote themselves: responses, not
    input.  Input a team member typed in for someone else (``entered_by``: a letter, an
    email, a meeting) stays input.  The team is whoever holds a role now.

    With ``consultation``, the team is read once (``team_author_q``); without, each
    comment is checked against its own consultation (lists across consultations, such
    as the daily reminder)."""
    if consultation is not None:
        return Q(entered_by__isnull=True) & team_author_q(consultation)
    on_its_consultation = {
        "content_type": ContentType.objects.get_for_model(Consultation),
        "object_pk": Cast(OuterRef("consultation_id"), CharField()),
    }
    user_role = UserObjectPermission.objects.filter(
        user=OuterRef("author_id"), **on_its_consultation
    )
    group_role = GroupObjectPermission.objects.filter(
        group__user=OuterRef("author_id"), **on_its_consultation
    )
    return Q(entered_by__isnull=True) & (Q(Exists(user_role)) | Q(Exists(group_role)))


def undecided_q() -> Q:
    """Comments with no published decision (``comments.models.UndecidedTally`` counts them)."""
    return ~Q(Exists(DispositionEntry.objects.filter(comment=OuterRef("pk"))))


def needs_decision_q(consultation: Consultation | None = None) -> Q:
    """THE rule for "awaiting a decision": a comment with no published decision that is
    input, not the team's own response (``team_response_q``).  Triage's "awaiting"
    filter and counts, the desk, the overdue reminder, the report and the public
    ledger's filter all use it."""
    return undecided_q() & ~team_response_q(consultation)


def points_pending_q() -> Q:
    """On Comment: split into points (feedback/points/) and one of its points has no
    published decision yet.  The triage filter "points" and the desk's figure."""
    from_point = DispositionEntry.objects.filter(point=OuterRef("pk"))
    pending = CommentPoint.objects.filter(comment=OuterRef("pk")).exclude(Exists(from_point))
    return Q(Exists(pending))


def overdue_before(*, now: datetime | None = None) -> datetime:
    """Comments made before this moment are overdue if still awaiting a decision: the
    start (UTC) of the day ``PLENARY_RESPONSE_TARGET_DAYS`` days ago.  Whole days, so the
    desk can read it off its per-day tally and the reminder counts the same comments."""
    today = (now or timezone.now()).astimezone(UTC).date()
    return datetime.combine(
        today - timedelta(days=settings.PLENARY_RESPONSE_TARGET_DAYS), time.min, tzinfo=UTC
    )


def can_decide(user, consultation: Consultation) -> bool:
    return consult_permissions.can_run(user, consultation)


def require_can_decide(user, consultation: Consultation) -> None:
    if not can_decide(user, consultation):
        raise PermissionDenied(_("Only this consultation's secretariat can record dispositions."))


# --- assignments and the drafter role (feedback/assignments/services.py) --------------------


def can_assign(user, consultation: Consultation) -> bool:
    """Assign, reassign and unassign comments, and see everyone's workload: the secretariat."""
    return can_decide(user, consultation)


def require_can_assign(user, consultation: Consultation) -> None:
    if not can_assign(user, consultation):
        raise PermissionDenied(_("Only this consultation's secretariat can assign comments."))


def can_be_assigned(user, consultation: Consultation) -> bool:
    """Who may be given comments: anyone holding a role on the consultation."""
    return consult_permissions.is_staff_of(user, consultation)


def can_see_queue(user, consultation: Consultation) -> bool:
    """ "My queue": any member of the consultation's team (maybe empty)."""
    return consult_permissions.is_staff_of(user, consultation)


def require_can_see_queue(user, consultation: Consultation) -> None:
    if not can_see_queue(user, consultation):
        raise PermissionDenied(_("Only this consultation's team has a queue here."))


def assignments_visible_q(user, consultation: Consultation) -> Q:
    """Which current assignments ``user`` may list (on Assignment): all of them for the
    secretariat, their own for the rest of the team, none for anyone else."""
    if can_assign(user, consultation):
        return Q(consultation=consultation)
    if can_see_queue(user, consultation):
        return Q(consultation=consultation, assignee=user)
    return Q(pk__in=[])


def drafts_assigned(user, consultation: Consultation) -> bool:
    """Whether ``user`` may draft on the comments assigned to them (the flag of the
    "my queue" page): the secretariat, who may draft on any, and drafters."""
    return can_decide(user, consultation) or consult_permissions.can_draft_assigned(
        user, consultation
    )


def can_draft(user, comment: Comment) -> bool:
    """Save a draft decision on ``comment`` (publishing stays the secretariat's)."""
    consultation = comment.consultation
    if can_decide(user, consultation):
        return True
    if not consult_permissions.can_draft_assigned(user, consultation):
        return False
    return Assignment.objects.filter(comment=comment, assignee=user).exists()


def require_can_draft(user, comment: Comment) -> None:
    if not can_draft(user, comment):
        if consult_permissions.can_draft_assigned(user, comment.consultation):
            raise PermissionDenied(
                _("You can draft decisions only on the comments assigned to you.")
            )
        raise PermissionDenied(
            _("Only this consultation's secretariat and its drafters can draft decisions.")
        )


def can_split_points(user, consultation: Consultation) -> bool:
    """Who splits a long comment into points (issue 23): the people who work on the
    input, the secretariat and analysts.  Deciding on a point is ``can_decide``;
    reading a point's published decision is reading its comment
    (``comments.permissions``: the receipt page's and the API's rule)."""
    return consult_permissions.can_run_or_analyse(user, consultation)


def require_can_split_points(user, consultation: Consultation) -> None:
    if not can_split_points(user, consultation):
        raise PermissionDenied(_("Only this consultation's team can split a comment into points."))


def require_can_appeal(user, comment: Comment, *, now=None) -> DispositionEntry:
    """Refuse unless ``user`` may appeal the comment's decision now; return that decision.

    PermissionDenied for anyone but the comment's author; ValidationError on
    ``comment`` when there is nothing to appeal, the window has closed, or an
    appeal is already waiting for its answer.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to appeal a decision on your comment."))
    if comment.author_id != user.pk:
        raise PermissionDenied(_("Only the author of a comment can appeal its decision."))
    entry = current_disposition(comment=comment)
    if entry is None:
        raise ValidationError(
            {"comment": _("There is no published decision on this comment to appeal yet.")}
        )
    closes_at = appeal_window_closes_at(entry=entry)
    if (now or timezone.now()) > closes_at:
        raise ValidationError(
            {
                "comment": _("The time to appeal this decision ended on %(date)s.")
                % {"date": formats.date_format(timezone.localtime(closes_at), "j F Y H:i e")}
            }
        )
    if appeal_open_exists(comment=comment):
        raise ValidationError(
            {"comment": _("Your appeal on this comment is still waiting for its answer.")}
        )
    return entry


def can_appeal(user, comment: Comment, *, now=None) -> bool:
    try:
        require_can_appeal(user, comment, now=now)
    except (PermissionDenied, ValidationError):
        return False
    return True


# --- themes (feedback/themes/services.py) ---------------------------------------------------


def can_manage_themes(user, consultation: Consultation) -> bool:
    """See and define themes, tag comments, run and decide suggestions: the secretariat
    and analysts.  Moderators are left out, as from campaign clusters: their work is
    the thread, not the analysis."""
    return consult_permissions.can_run_or_analyse(user, consultation)


def require_can_manage_themes(user, consultation: Consultation) -> None:
    if not can_manage_themes(user, consultation):
        raise PermissionDenied(
            _("Only this consultation's secretariat and analysts can manage themes.")
        )


def require_can_view_themes(user, consultation: Consultation) -> None:
    if not can_manage_themes(user, consultation):
        raise PermissionDenied(
            _("Only this consultation's secretariat and analysts can see its themes.")
        )


# --- double coding (feedback/agreement/services.py) ------------------------------------------


def is_coder(user, coding: Coding) -> bool:
    """Whether ``coding`` is ``user``'s own (the suggester's coding is nobody's)."""
    return bool(user and user.is_authenticated and coding.coder_id == user.pk)


def require_can_code(user, coding: Coding) -> None:
    """Only the coder named on a coding, while still on the team, codes with it."""
    require_can_manage_themes(user, coding.sample.consultation)
    if not is_coder(user, coding):
        raise PermissionDenied(_("Only the person asked to code this sample can code it."))


def coding_visible(user, coding: Coding, *, all_finished: bool) -> bool:
    """A person coding sees their own coding; the others' only once every coder finished,
    so that neither is swayed by the other."""
    if not can_manage_themes(user, coding.sample.consultation):
        return False
    return is_coder(user, coding) or all_finished


# --- the process evaluation (feedback/evaluation/services.py) --------------------------------


def require_can_see_evaluation(user, consultation: Consultation) -> None:
    """The results, free text included: the secretariat and analysts."""
    if not consult_permissions.can_run_or_analyse(user, consultation):
        raise PermissionDenied(
            _("Only this consultation's secretariat and analysts can see its evaluation.")
        )


# Who took part and whether the last round has closed: the facts the rules below read
# (feedback.evaluation's services, selectors and pages read them here too).


def participants_of(*, consultation: Consultation) -> QuerySet:
    """Everyone who commented (themself) or answered a question in ``consultation``."""
    user_model = get_user_model()
    commented = Comment.objects.filter(
        consultation=consultation, author=OuterRef("pk"), entered_by__isnull=True
    )
    answered = Answer.objects.filter(
        question__round__consultation=consultation, respondent=OuterRef("pk")
    )
    return user_model.objects.filter(Q(Exists(commented)) | Q(Exists(answered)))


def is_participant(user, consultation: Consultation) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return participants_of(consultation=consultation).filter(pk=user.pk).exists()


def last_close(*, consultation: Consultation):
    """When the consultation's last round closes (None without rounds)."""
    return consultation.rounds.aggregate(last=Max("closes_at"))["last"]


def is_closed(*, consultation: Consultation, now=None) -> bool:
    closes = last_close(consultation=consultation)
    return closes is not None and closes <= (now or timezone.now())


def require_participant(user, consultation: Consultation) -> None:
    """PermissionDenied unless ``user`` took part in ``consultation`` (the page's guard)."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to evaluate the consultation."))
    if not is_participant(user, consultation):
        raise PermissionDenied(
            _("Only people who took part in this consultation are asked to evaluate it.")
        )


def require_can_evaluate(user, consultation: Consultation, *, now=None) -> None:
    """PermissionDenied unless ``user`` took part; ValidationError before the close."""
    require_participant(user, consultation)
    if not is_closed(consultation=consultation, now=now):
        raise ValidationError(
            {"consultation": _("The evaluation opens when the consultation's last round closes.")}
        )


# --- the outcome report (feedback/report/services.py) ----------------------------------------


def can_report(user, consultation: Consultation) -> bool:
    """The secretariat and the analysts of this consultation (not its moderators)."""
    return consult_permissions.can_run_or_analyse(user, consultation)


def require_can_report(user, consultation: Consultation) -> None:
    if not can_report(user, consultation):
        raise PermissionDenied(
            _("Only this consultation's secretariat and analysts can produce its outcome report.")
        )


# --- campaign clusters (feedback/clusters/services.py) ---------------------------------------


def can_view_clusters(user, consultation: Consultation) -> bool:
    """The secretariat (who also decide) and analysts see clusters."""
    return consult_permissions.can_run_or_analyse(user, consultation)


def require_can_view_clusters(user, consultation: Consultation) -> None:
    if not can_view_clusters(user, consultation):
        raise PermissionDenied(
            _("Only this consultation's secretariat and analysts can see campaign clusters.")
        )


# --- disputed authorship (issue 25, part 25b: feedback/disputes/services.py) ---------


def can_decide_dispute(user, consultation: Consultation) -> bool:
    """Uphold or reject a dispute of authorship, and see the disputes with their
    reasons and filers: the secretariat."""
    return consult_permissions.can_run(user, consultation)


def require_can_decide_dispute(user, consultation: Consultation) -> None:
    if not can_decide_dispute(user, consultation):
        raise PermissionDenied(_("Only this consultation's secretariat can decide disputes."))


# --- provenance and bursts (feedback/provenance/) -------------------------------------


def can_view_provenance(user, consultation: Consultation) -> bool:
    """A submission's provenance (network, account age, address, organisation, cluster)
    and the suspicious-activity view: the secretariat and analysts, as for clusters."""
    return consult_permissions.can_run_or_analyse(user, consultation)


def require_can_view_provenance(user, consultation: Consultation) -> None:
    if not can_view_provenance(user, consultation):
        raise PermissionDenied(
            _(
                "Only this consultation's secretariat and analysts can see "
                "where submissions came from."
            )
        )
