"""The triage page's "assign the selected comments" part, which works without JavaScript:
the rows' checkboxes, a select of the team, and buttons (the one pressed is
``assign_action``).  "Assign everything in…" takes a section, a theme or a cluster."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consult.consultations import selectors as consult_selectors
from consult.models import Consultation
from feedback import permissions
from feedback.assignments import selectors, services
from feedback.assignments.services import Scope
from feedback.ledger.forms import ReceiptListField
from feedback.models import CampaignCluster, Theme
from plenary.forms import NOT_DONE, submit


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = getattr(getattr(obj, "participant", None), "display_name", "")
        return f"{name} ({obj.email})" if name else obj.email


class TriageAssignForm(forms.Form):
    ASSIGN, UNASSIGN, ASSIGN_ALL = "assign", "unassign", "assign_all"

    assign_action = forms.ChoiceField(
        choices=[(ASSIGN, ASSIGN), (UNASSIGN, UNASSIGN), (ASSIGN_ALL, ASSIGN_ALL)],
        widget=forms.HiddenInput,
    )
    comments = ReceiptListField(required=False)
    assignee = MemberChoiceField(
        label=gettext_lazy("Team member"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("— choose —"),
    )
    section = forms.ChoiceField(label=gettext_lazy("Everything in the section"), required=False)
    theme = forms.ModelChoiceField(
        label=gettext_lazy("or everything tagged with the theme"),
        queryset=Theme.objects.none(),
        required=False,
        empty_label=gettext_lazy("— none —"),
    )
    cluster = forms.ModelChoiceField(
        label=gettext_lazy("or everything in the campaign cluster"),
        queryset=CampaignCluster.objects.none(),
        required=False,
        empty_label=gettext_lazy("— none —"),
    )

    def __init__(self, *args, consultation: Consultation, **kwargs):
        # Its own ids: the page's filter, bulk and tagging forms have fields of their own.
        kwargs.setdefault("auto_id", "assign_%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.team_members(consultation=consultation)
        version = consult_selectors.version_current(consultation=consultation)
        sections = consult_selectors.sections_of(version=version) if version else []
        self.fields["section"].choices = [
            ("", _("— none —")),
            *((s.key, f"§{s.ordinal} {s.heading}".strip()) for s in sections),
        ]
        self.fields["theme"].queryset = Theme.objects.filter(consultation=consultation).order_by(
            "name", "pk"
        )
        self.fields["cluster"].queryset = CampaignCluster.objects.filter(
            consultation=consultation, size__gt=1
        ).order_by("-size", "pk")
        self.fields["cluster"].label_from_instance = lambda c: (
            ngettext(
                "Cluster %(n)d (%(size)d comment)", "Cluster %(n)d (%(size)d comments)", c.size
            )
            % {"n": c.pk, "size": c.size}
        )

    def clean(self):
        data = super().clean()
        action = data.get("assign_action")
        if action in (self.ASSIGN, self.ASSIGN_ALL) and not data.get("assignee"):
            if "assignee" not in self.errors:
                self.add_error("assignee", _("Choose the team member to assign to."))
        if action in (self.ASSIGN, self.UNASSIGN) and not data.get("comments"):
            if "comments" not in self.errors:
                self.add_error("comments", _("Select at least one comment in the list."))
        if action == self.ASSIGN_ALL:
            chosen = [f for f in ("section", "theme", "cluster") if data.get(f)]
            if len(chosen) != 1:
                self.add_error(
                    "section", _("Choose one section, theme or campaign cluster to assign.")
                )
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        if data["assign_action"] != self.ASSIGN_ALL:
            return Scope.of(comments=data["comments"])
        return Scope.of(
            section_key=data.get("section") or None,
            theme=data.get("theme"),
            cluster=data.get("cluster"),
        )


def triage_assigning(request, consultation: Consultation):
    """``(form, outcome)``: the form is None for whoever may not assign; the outcome is
    the message after a successful POST, else ``NOT_DONE`` (errors stay on the form)."""
    if not permissions.can_assign(request.user, consultation):
        return None, NOT_DONE
    bound = request.method == "POST" and "assign_action" in request.POST
    form = TriageAssignForm(request.POST if bound else None, consultation=consultation)

    def assign(data):
        if data["assign_action"] == TriageAssignForm.UNASSIGN:
            n = services.assignments_unassign(
                actor=request.user, consultation=consultation, scope=form.scope()
            )
            return ngettext("%(n)d comment unassigned.", "%(n)d comments unassigned.", n) % {"n": n}
        n = services.assignments_assign(
            actor=request.user,
            consultation=consultation,
            assignee=data["assignee"],
            scope=form.scope(),
        )
        return ngettext(
            "%(n)d comment assigned to %(who)s.", "%(n)d comments assigned to %(who)s.", n
        ) % {"n": n, "who": data["assignee"].email}

    return form, submit(request, form, assign) if bound else NOT_DONE
