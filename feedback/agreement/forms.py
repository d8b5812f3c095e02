"""Forms of the double-coding pages; the rules (sizes, coders, themes) are in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.agreement import services


class SampleForm(forms.Form):
    size = forms.IntegerField(
        label=_("Comments in the sample"),
        min_value=services.SAMPLE_MIN,
        max_value=services.SAMPLE_MAX,
        initial=50,
    )
    coders = forms.ModelMultipleChoiceField(
        label=_("The two coders"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each codes the sample alone and sees the other's coding only when both finished."
        ),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=services.SEED_MAX,
        help_text=_(
            "Optional: the same seed draws the same comments again. "
            "Left empty, one is chosen and kept."
        ),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        coders = self.fields["coders"]
        if isinstance(coders, forms.ModelMultipleChoiceField):  # always; for the type checker
            coders.queryset = candidates
            coders.label_from_instance = lambda user: user.email


class CodingForm(forms.Form):
    """One checkbox list of themes per sampled comment: ``comment_<id>``."""

    def __init__(self, *args, comments, themes, initial_labels, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes = {str(t.pk): t for t in themes}
        choices = [(str(t.pk), t.name) for t in themes]
        self.rows = []
        for comment in comments:
            name = f"comment_{comment.pk}"
            self.fields[name] = forms.MultipleChoiceField(
                label=comment.receipt,
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=[str(i) for i in initial_labels.get(comment.pk, ())],
            )
            self.rows.append((comment, name))

    def bound_rows(self):
        """(comment, its bound field) for the template."""
        return [(comment, self[name]) for comment, name in self.rows]

    def themes_by_comment(self) -> dict[int, list]:
        return {
            comment.pk: [self.themes[v] for v in self.cleaned_data.get(name, [])]
            for comment, name in self.rows
        }
