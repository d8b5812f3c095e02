"""Forms of the registry's staff pages (/staff/registry/)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from stakeholders.models import Organisation, StakeholderGroup


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    ordinal = forms.IntegerField(
        label=_("Position in lists"), min_value=0, max_value=32767, help_text=_("1 comes first.")
    )


class InterestTagForm(forms.Form):
    name = forms.CharField(
        label=_("New interest"),
        max_length=100,
        help_text=_("Views differ within groups: e.g. “small business” in the private sector."),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    group = forms.ModelChoiceField(
        label=_("Stakeholder group"), queryset=StakeholderGroup.objects.all(), empty_label=None
    )
    country = LazyTypedChoiceField(
        label=_("Country"), choices=[("", _("(none)")), *countries], required=False
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=False,
        required=False,  # the service says what is missing, beside the field
        help_text=_(
            "What the verification rests on: a registry entry, a letter, a call to a known "
            "number. Recorded with your name."
        ),
    )


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Organisation.objects.all(),
        help_text=_(
            "This organisation becomes a duplicate of the one chosen: its affiliations move "
            "there; comments made on its behalf stay and show where it went."
        ),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        live = Organisation.objects.filter(merged_into__isnull=True).exclude(pk=organisation.pk)
        self.fields["into"].widget.choices = [
            ("", "---------"),
            *live.order_by("name").values_list("pk", "name"),
        ]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Confirm")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse; sent to the participant)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
