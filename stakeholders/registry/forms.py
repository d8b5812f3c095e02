"""Forms of the registry's staff pages (/staff/registry/)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from plenary import site_data
from stakeholders.models import Organisation, StakeholderGroup


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    ordinal = forms.IntegerField(
        label=_("Position in lists"), min_value=0, max_value=32767, help_text=_("1 comes first.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The name and description in each other interface language (plenary.site_data).
        for code in site_data.translation_languages():
            language = dict(settings.LANGUAGES).get(code, code)
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": language},
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs={"lang": code}),
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description in %(language)s") % {"language": language},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "lang": code}),
            )

    @staticmethod
    def initial_for(group: StakeholderGroup) -> dict:
        initial = {"name": group.name, "description": group.description, "ordinal": group.ordinal}
        for code in site_data.translation_languages():
            texts = group.translations.get(code) or {}
            initial[f"name_{code}"] = texts.get("name", "")
            initial[f"description_{code}"] = texts.get("description", "")
        return initial

    def clean(self) -> dict:
        data = super().clean()
        data["translations"] = {
            code: {
                "name": data.pop(f"name_{code}", ""),
                "description": data.pop(f"description_{code}", ""),
            }
            for code in site_data.translation_languages()
        }
        return data


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
