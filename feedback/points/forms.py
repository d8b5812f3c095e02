from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import Status


class SplitForm(forms.Form):
    """Split by paragraph (checkboxes), or, with JavaScript, by a selected passage
    (``start``/``end`` offsets filled in by static/js/points.js)."""

    paragraphs = forms.MultipleChoiceField(
        label=_("Paragraphs that make points"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Consecutive paragraphs you tick make one point."),
    )
    breaks = forms.MultipleChoiceField(
        label=_("Start a new point at"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick a paragraph here to begin a new point at it even after a ticked one."),
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, paragraphs: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(i), text) for i, text in enumerate(paragraphs)]
        self.fields["paragraphs"].choices = choices
        self.fields["breaks"].choices = choices

    def clean(self):
        data = super().clean()
        has_offsets = data.get("start") is not None and data.get("end") is not None
        if not has_offsets and not data.get("paragraphs"):
            raise forms.ValidationError(_("Tick the paragraphs that make points."))
        return data


class PointDecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"), choices=Status.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required unless the point is accepted or noted. The commenter reads it."),
    )


class PointNumberForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
