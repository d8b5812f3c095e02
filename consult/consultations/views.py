"""Public consultation pages and the secretariat's staff pages.  Each write is one service call."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from comments.supports import selectors as supports
from comments.threads import selectors as comment_selectors
from consult import permissions
from consult.access import consultation_for, team_consultation
from consult.consultations import selectors, services
from consult.consultations.forms import (
    ConsultationForm,
    ConsultationSettingsForm,
    DraftImportForm,
    RoleGrantForm,
    RoundForm,
)
from consult.consultations.policies import POLICY_FIELDS
from consult.models import ROLE_PERMISSIONS, Consultation, Role, Round
from consult.reminders import selectors as reminders
from consult.rounds import selectors as round_selectors
from consult.translations import selectors as translations
from consult.versions import services as version_services
from feedback.desk import selectors as desk_selectors
from feedback.ledger import selectors as feedback_selectors
from feedback.participation import selectors as participation
from plenary.forms import NOT_DONE, submit
from plenary.pagecache import anonymous_micro_cache


def home(request):
    now = timezone.now()
    consultations = list(selectors.consultation_list_public())
    for consultation in consultations:  # from the prefetched rounds: no query
        consultation.current_round = selectors.round_current(consultation=consultation, now=now)
        consultation.next_round = selectors.round_next(consultation=consultation, now=now)
    return render(request, "consult/home.html", {"consultations": consultations})


def phase_of(timeline: list) -> tuple[str, Round | None]:
    """Where the consultation stands, for the page's primary action, with the round it is
    about: ``"open"`` (a round takes comments: comment on the draft), ``"upcoming"`` (a
    round is scheduled and none is open: read the draft; the round says when it opens),
    ``"closed"`` (every round is over: see the outcome) or ``"none"`` (no round yet)."""
    for state, phase in (("current", "open"), ("next", "upcoming")):
        for item in timeline:
            if item.state == state:
                return phase, item.round
    return ("closed", timeline[-1].round) if timeline else ("none", None)


@anonymous_micro_cache  # a deadline surge of readers (plenary/pagecache.py)
def consultation_detail(request, slug: str):
    consultation = consultation_for(request, slug)
    current_round = selectors.round_current(consultation=consultation)
    version = selectors.version_current(consultation=consultation)
    # Counts per section and per round: two aggregates, cached (consult/rounds/services.py).
    counts = participation.page_counts(consultation=consultation)
    sections = []
    if version is not None:
        sections = list(selectors.sections_of(version=version))
        # "N comments on the earlier text" (comments/threads/selectors.py): one query.
        earlier = comment_selectors.earlier_comment_counts(version=version)
        # "3 comments · 1 accepted, 1 not accepted" in each paragraph's margin: one query
        # for the whole page (feedback/ledger/selectors.py section_decisions).
        decisions = feedback_selectors.section_decisions(consultation=consultation)
        # "3 proposed changes" (issue 24): one grouped query for the whole page.
        proposed = supports.open_amendment_counts(version=version)
        for section in sections:
            section.proposed_count = proposed.get(section.pk, 0)
            section.comment_count = counts["sections"].get(section.pk, 0)
            section.earlier = earlier.get(section.key)
            section.decisions = decisions.get(section.pk, [])
    # The draft in the viewer's language when translated (consult/translations/services.py):
    # one query.
    draft_language = translations.attach_display(
        sections=sections, consultation=consultation, show_original="original" in request.GET
    )
    timeline = round_selectors.round_timeline(
        consultation=consultation, round_counts=counts["rounds"]
    )
    phase, phase_round = phase_of(timeline)
    return render(
        request,
        "consult/consultation_detail.html",
        {
            "phase": phase,
            "phase_round": phase_round,
            "consultation": consultation,
            "round": current_round,
            "round_is_open": bool(current_round and current_round.is_open()),
            "version": version,
            "sections": sections,
            "timeline": timeline,
            "submissions": counts["submissions"],
            "min_days": settings.PLENARY_MIN_ROUND_DAYS,
            "is_staff": permissions.is_staff_of(request.user, consultation),
            "is_following": reminders.is_following(user=request.user, consultation=consultation),
            "draft_language": draft_language,
        },
    )


# --- staff pages -------------------------------------------------------------


@login_required
def staff_home(request):
    consultations = get_objects_for_user(
        request.user,
        # Any role: a drafter, too, reaches their queue from here.
        sorted(
            {f"consult.{codename}" for perms in ROLE_PERMISSIONS.values() for codename in perms}
        ),
        klass=Consultation,
        any_perm=True,
        accept_global_perms=False,
    ).order_by("-created_at")
    return render(
        request,
        "consult/staff/home.html",
        {
            # Each with its desk's figures (feedback.desk): a fixed number of queries.
            "desks": desk_selectors.desks(consultations=list(consultations)),
            "can_create": permissions.can_create_consultation(request.user),
        },
    )


@login_required
def staff_consultation_new(request):
    permissions.require_can_create_consultation(request.user)
    form = ConsultationForm(request.POST or None)
    consultation = submit(
        request, form, lambda data: services.consultation_create(actor=request.user, **data)
    )
    if consultation is not NOT_DONE:
        messages.success(request, _("Consultation created. Next, paste the draft."))
        return redirect("staff_draft_import", slug=consultation.slug)
    return render(request, "consult/staff/consultation_form.html", {"form": form})


@login_required
def staff_consultation(request, slug: str):
    consultation = team_consultation(request, slug)
    can_run = permissions.can_run(request.user, consultation)
    form = ConsultationSettingsForm(
        request.POST or None,
        initial={
            **{field: getattr(consultation, field) for field in POLICY_FIELDS},
            "title": consultation.title,
            "summary": consultation.summary,
            "goals": consultation.goals,
            "ground_rules": consultation.ground_rules,
            "code_of_conduct": consultation.code_of_conduct,
            "decision_process": consultation.decision_process,
            "premoderate_first": consultation.premoderate_first,
        },
    )
    updated = submit(
        request,
        form,
        lambda data: services.consultation_update(
            actor=request.user, consultation=consultation, **data
        ),
    )
    if updated is not NOT_DONE:
        messages.success(request, _("Saved."))
        return redirect("staff_consultation", slug=consultation.slug)
    return render(
        request,
        "consult/staff/consultation.html",
        {
            "consultation": consultation,
            "form": form,
            "can_run": can_run,
            "versions": consultation.versions.annotate(section_count=Count("sections")).order_by(
                "-number"
            ),
            "rounds": consultation.rounds.select_related("document_version").order_by("number"),
            "now": timezone.now(),
            "open_appeals": feedback_selectors.appeals_open_count(consultation=consultation),
        },
    )


@login_required
def staff_draft_import(request, slug: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    form = DraftImportForm(request.POST or None)
    version = submit(
        request,
        form,
        lambda data: version_services.draft_import(
            actor=request.user, consultation=consultation, **data
        ),
    )
    if version is not NOT_DONE:
        messages.success(
            request,
            _("Version %(n)d imported with %(count)d sections.")
            % {"n": version.number, "count": version.sections.count()},
        )
        if version.number > 1:  # check the matching to the previous version
            return redirect("staff_version_matching", slug=consultation.slug, number=version.number)
        return redirect("staff_consultation", slug=consultation.slug)
    return render(
        request, "consult/staff/draft_form.html", {"consultation": consultation, "form": form}
    )


@login_required
def staff_round_new(request, slug: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    form = RoundForm(request.POST or None)
    round_ = submit(
        request,
        form,
        lambda data: services.round_open(actor=request.user, consultation=consultation, **data),
    )
    if round_ is not NOT_DONE:
        messages.success(request, _("The round is scheduled."))
        return redirect("staff_consultation", slug=consultation.slug)
    return render(
        request,
        "consult/staff/round_form.html",
        {
            "consultation": consultation,
            "form": form,
            "latest_version": selectors.version_latest(consultation=consultation),
            "min_days": settings.PLENARY_MIN_ROUND_DAYS,
        },
    )


@login_required
def staff_team(request, slug: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    form = RoleGrantForm(request.POST or None)
    granted = submit(
        request,
        form,
        lambda data: services.consultation_role_grant(
            actor=request.user, consultation=consultation, user=data["email"], role=data["role"]
        ),
    )
    if granted is not NOT_DONE:
        messages.success(request, _("Role granted."))
        return redirect("staff_team", slug=consultation.slug)
    members = get_users_with_perms(
        consultation, attach_perms=True, with_superusers=False, with_group_users=False
    )
    team = [
        (
            member,
            [
                role.label
                for role in Role
                if set(ROLE_PERMISSIONS[role]) <= set(perms)
                and not (role != Role.SECRETARIAT and "run_consultation" in perms)
            ],
        )
        for member, perms in members.items()
    ]
    return render(
        request,
        "consult/staff/team.html",
        {"consultation": consultation, "form": form, "team": team},
    )
