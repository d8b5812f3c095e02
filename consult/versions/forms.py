"""Forms of the versioned-draft pages (upload, matching corrections, picking two versions)."""

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

NEW_SECTION = "new"


class DraftUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Draft file"),
        help_text=_(
            "A Word (.docx), OpenDocument (.odt), Markdown (.md) or plain text (.txt) file, "
            "up to 5 MB. Headings group the paragraphs; each paragraph, list or table "
            "becomes a section participants can comment on."
        ),
    )
    changelog = forms.CharField(
        label=_("What changed (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


def _choice_label(section) -> str:
    text = Truncator(section.body.replace("\n", " ")).chars(70)
    heading = f"{section.heading} · " if section.heading else ""
    return f"§{section.ordinal} {heading}{text}"


class MatchingForm(forms.Form):
    """One choice per section of the new version: the previous section it continues."""

    def __init__(self, *args, sections, previous_sections, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(NEW_SECTION, _("New section (no earlier text)"))] + [
            (str(old.pk), _choice_label(old)) for old in previous_sections
        ]
        self.rows = []
        for section in sections:
            name = f"section_{section.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("Paragraph %(n)d continues") % {"n": section.ordinal},
                choices=choices,
                initial=str(section.previous_id) if section.previous_id else NEW_SECTION,
            )
            self.rows.append((section, name))

    def matches(self) -> dict[int, int | None]:
        return {
            section.pk: None
            if self.cleaned_data[name] == NEW_SECTION
            else int(self.cleaned_data[name])
            for section, name in self.rows
        }


class VersionPickForm(forms.Form):
    old = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    new = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, str(n)) for n in numbers]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices
        if len(numbers) >= 2:
            self.fields["old"].initial, self.fields["new"].initial = numbers[-2], numbers[-1]

    def clean(self):
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            raise forms.ValidationError(_("Choose two different versions."))
        return data


class VersionDeleteForm(forms.Form):
    """The confirmation page's one button: nothing to fill in (the service checks the rest)."""


class VersionPublishForm(forms.Form):
    """The publish page's one button (the service checks the rest)."""
