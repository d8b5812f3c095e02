"""feedback's rules, one function per kind of object: who may decide dispositions
(the secretariat, per consult.permissions) and appeal one (the commenter, within
the window, one open appeal at a time); who manages themes, sees the campaign
clusters, builds the outcome report, and answers or reads the evaluation.

Services call ``require_*``; pages ask ``can_*`` and hand templates a flag.  The
few facts the rules read (the current decision, an open appeal, who took part)
are read here too, since a rule may not import a feature's selectors."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult import permissions as consult_permissions
from consult.models import Answer, Consultation
from feedback.models import Appeal, DispositionEntry


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


def can_decide(user, consultation: Consultation) -> bool:
    return consult_permissions.can_run(user, consultation)


def require_can_decide(user, consultation: Consultation) -> None:
    if not can_decide(user, consultation):
        raise PermissionDenied(_("Only this consultation's secretariat can record dispositions."))


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
