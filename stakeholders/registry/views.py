"""The site secretariat's registry pages (/staff/registry/...): groups, organisations,
the affiliation queue.  Each write is one service call; who may is
``permissions.can_verify`` (``stakeholders.verify_organisation``)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from plenary.forms import NOT_DONE, posted, submit
from stakeholders import permissions
from stakeholders.models import Affiliation, Organisation, StakeholderGroup
from stakeholders.registry import selectors, services
from stakeholders.registry.forms import (
    DecideForm,
    GroupForm,
    InterestTagForm,
    MergeForm,
    OrganisationForm,
    VerifyForm,
)

PER_PAGE = 50


def _guard(request) -> None:
    permissions.require_can_verify(request.user)


@login_required
def registry_groups(request):
    _guard(request)
    groups = selectors.stakeholder_groups().prefetch_related("tags")
    return render(request, "stakeholders/registry/groups.html", {"groups": groups})


@login_required
def registry_group(request, slug: str):
    _guard(request)
    group = get_object_or_404(StakeholderGroup, slug=slug)
    which = request.POST.get("form") if request.method == "POST" else None
    group_form = GroupForm(
        posted(request) if which == "group" else None,
        initial=GroupForm.initial_for(group),
    )
    tag_form = InterestTagForm(posted(request) if which == "tag" else None)
    if which == "group":
        done = submit(
            request,
            group_form,
            lambda data: services.stakeholder_group_update(actor=request.user, group=group, **data),
        )
        if done is not NOT_DONE:
            messages.success(request, _("The group is saved."))
            return redirect("registry_group", slug=group.slug)
    elif which == "tag":
        done = submit(
            request,
            tag_form,
            lambda data: services.interest_tag_create(
                actor=request.user, group=group, name=data["name"]
            ),
        )
        if done is not NOT_DONE:
            messages.success(request, _("The interest “%(name)s” is added.") % {"name": done})
            return redirect("registry_group", slug=group.slug)
    return render(
        request,
        "stakeholders/registry/group.html",
        {"group": group, "group_form": group_form, "tag_form": tag_form, "tags": group.tags.all()},
    )


@login_required
def registry_organisations(request):
    _guard(request)
    query = request.GET.get("q", "")
    form = OrganisationForm(posted(request))
    created = submit(
        request, form, lambda data: services.organisation_create(actor=request.user, **data)
    )
    if created is not NOT_DONE:
        messages.success(request, _("“%(name)s” is in the registry.") % {"name": created.name})
        return redirect("registry_organisation", pk=created.pk)
    page = Paginator(selectors.organisation_search(query=query), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stakeholders/registry/organisations.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "organisations": page.object_list,
            "querystring": urlencode({"q": query}) if query else "",
        },
    )


@login_required
def registry_organisation(request, pk: int):
    _guard(request)
    organisation = get_object_or_404(
        Organisation.objects.select_related("group", "merged_into", "verified_by"), pk=pk
    )
    which = request.POST.get("form") if request.method == "POST" else None
    verify_form = VerifyForm(posted(request) if which == "verify" else None)
    merge_form = MergeForm(posted(request) if which == "merge" else None, organisation=organisation)
    if which == "verify":
        done = submit(
            request,
            verify_form,
            lambda data: services.organisation_verify(
                actor=request.user, organisation=organisation, note=data["note"]
            ),
        )
        if done is not NOT_DONE:
            messages.success(request, _("“%(name)s” is verified.") % {"name": organisation.name})
            return redirect("registry_organisation", pk=organisation.pk)
    elif which == "merge":
        done = submit(
            request,
            merge_form,
            lambda data: services.organisation_merge(
                actor=request.user, duplicate=organisation, into=data["into"]
            ),
        )
        if done is not NOT_DONE:
            messages.success(
                request,
                _("“%(name)s” is merged into “%(into)s”.")
                % {"name": organisation.name, "into": done.merged_into.name},
            )
            return redirect("registry_organisation", pk=done.merged_into_id)
    affiliations = organisation.affiliations.select_related("participant__group").order_by(
        "status", "created_at"
    )
    return render(
        request,
        "stakeholders/registry/organisation.html",
        {
            "organisation": organisation,
            "verify_form": verify_form,
            "merge_form": merge_form,
            "affiliations": affiliations,
            "merged": organisation.merged.order_by("name"),
        },
    )


@login_required
def registry_affiliations(request):
    _guard(request)
    affiliations = list(selectors.affiliation_queue()[:PER_PAGE])
    forms_by_pk = {a.pk: DecideForm(prefix=f"a{a.pk}") for a in affiliations}
    if request.method == "POST":
        affiliation = get_object_or_404(
            Affiliation.objects.select_related("participant__user", "organisation"),
            pk=request.POST.get("affiliation"),
        )
        form = DecideForm(request.POST, prefix=f"a{affiliation.pk}")
        done = submit(
            request,
            form,
            lambda data: services.affiliation_decide(
                actor=request.user,
                affiliation=affiliation,
                approve=data["decision"] == "approve",
                reason=data["reason"],
            ),
        )
        if done is not NOT_DONE:
            messages.success(
                request,
                _("The decision on %(who)s / %(org)s is recorded and mailed.")
                % {"who": affiliation.participant.display_name, "org": affiliation.organisation},
            )
            return redirect("registry_affiliations")
        if affiliation.pk in forms_by_pk:
            forms_by_pk[affiliation.pk] = form
        else:  # decided meanwhile, or beyond the first page: say why here
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    rows = [(a, forms_by_pk[a.pk]) for a in affiliations]
    return render(
        request,
        "stakeholders/registry/affiliations.html",
        {"rows": rows, "waiting": selectors.affiliation_queue().count()},
    )
