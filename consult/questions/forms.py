"""Forms for a round's questions: the secretariat's question form and the
participants' answer form (one field per question).  Only shape is checked
here; ``consult.questions.services`` owns the rules."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from comments.attachments.forms import AttachmentsField
from consult.models import Question
from consult.questions.services import field_name
from plenary import site_data


def _language_label(code: str) -> str:
    return dict(settings.LANGUAGES).get(code, code)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    help_text = forms.CharField(
        label=_("Explanation (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    choices = forms.CharField(
        label=_("Choices, one per line (single and multiple choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    scale_min = forms.IntegerField(
        label=_("Scale from"), initial=1, required=False, min_value=-10, max_value=10
    )
    scale_max = forms.IntegerField(
        label=_("Scale to"), initial=5, required=False, min_value=-10, max_value=10
    )
    scale_min_label = forms.CharField(
        label=_("Label of the lowest value (e.g. “disagree”)"), required=False, max_length=60
    )
    scale_max_label = forms.CharField(
        label=_("Label of the highest value (e.g. “agree”)"), required=False, max_length=60
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices in each other interface language (plenary.site_data), line by line.
        for code in site_data.translation_languages():
            self.fields[f"choices_{code}"] = forms.CharField(
                label=_("Choices in %(language)s, one per line in the same order (optional)")
                % {"language": _language_label(code)},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "lang": code}),
            )

    def clean(self) -> dict:
        data = super().clean()
        data["choice_translations"] = {
            code: data.pop(f"choices_{code}", "").splitlines()
            for code in site_data.translation_languages()
        }
        return data

    def clean_scale_min(self) -> int:
        value = self.cleaned_data["scale_min"]
        return 1 if value is None else value

    def clean_scale_max(self) -> int:
        value = self.cleaned_data["scale_max"]
        return 5 if value is None else value

    def clean_choices(self) -> list[str]:
        return self.cleaned_data["choices"].splitlines()

    @staticmethod
    def initial_for(question: Question) -> dict:
        choices = list(question.choices.all())
        translated = {
            f"choices_{code}": "\n".join(
                (choice.translations.get(code) or {}).get("label", "") for choice in choices
            ).strip("\n")
            for code in site_data.translation_languages()
        }
        return translated | {
            "text": question.text,
            "help_text": question.help_text,
            "kind": question.kind,
            "required": question.required,
            "choices": "\n".join(choice.label for choice in question.choices.all()),
            "scale_min": question.scale_min,
            "scale_max": question.scale_max,
            "scale_min_label": question.scale_min_label,
            "scale_max_label": question.scale_max_label,
        }


def _label(question: Question) -> str:
    return f"{question.ordinal}. {question.text}"


class AnswersForm(forms.Form):
    """One field ``q<ordinal>`` per question.  Nothing is required here: the
    service says which required question is missing, beside it."""

    def __init__(self, *args, questions=(), needs_charter: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[field_name(question)] = self._field(question)
            if question.kind == Question.Kind.FREE_TEXT:
                # A position paper or a case study can come with a written answer.
                self.fields[f"{field_name(question)}_files"] = AttachmentsField(
                    label=_("Files with your answer to question %(n)d (optional)")
                    % {"n": question.ordinal}
                )
        if needs_charter:
            self.fields["accept_code_of_conduct"] = forms.BooleanField(
                label=_("I have read and accept the code of conduct of this consultation"),
                required=False,  # the service says it is needed, beside the box
            )

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {
            "label": _label(question),
            "required": False,
            "help_text": question.help_text,
        }
        if question.kind == Question.Kind.FREE_TEXT:
            return forms.CharField(
                widget=forms.Textarea(
                    attrs={"rows": 5, "maxlength": settings.PLENARY_COMMENT_MAX_CHARS}
                ),
                strip=False,  # store exactly what the participant wrote
                **common,
            )
        if question.kind == Question.Kind.SCALE:
            choices = []
            for value in range(question.scale_min, question.scale_max + 1):
                label = str(value)
                if value == question.scale_min and question.scale_min_label:
                    label = f"{value} ({question.scale_min_label})"
                elif value == question.scale_max and question.scale_max_label:
                    label = f"{value} ({question.scale_max_label})"
                choices.append((str(value), label))
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        choices = [(str(choice.ordinal), choice.reader_label) for choice in question.choices.all()]
        if question.kind == Question.Kind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)

    def uploaded(self) -> dict:
        """The files sent with each free-text answer, for ``answers_submit``."""
        return {
            field_name(q): self.files.getlist(f"{field_name(q)}_files")
            for q in self.questions
            if q.kind == Question.Kind.FREE_TEXT and self.files
        }

    def answers(self) -> dict:
        """The raw answers for ``answers_submit`` (the service validates them)."""
        return {
            field_name(q): self.data.getlist(field_name(q))
            if q.kind == Question.Kind.MULTIPLE
            else self.data.get(field_name(q))
            for q in self.questions
        }
