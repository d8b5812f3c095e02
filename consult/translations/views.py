"""Staff page: add or replace a translation of a draft version
(consult/translations/services.py)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult import permissions
from consult.access import team_consultation
from consult.models import DocumentVersion, Section
from consult.translations import selectors
from consult.translations import services as translations
from consult.translations.languages import language_name
from plenary.forms import NOT_DONE, submit


class TranslationForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("The translation, section by section"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "true"}),
        strip=False,
        required=False,  # the service names what is missing
        help_text=gettext_lazy(
            "Keep every “=== key ===” line as it is, in the same order, and replace the "
            "text below it. A line starting with “# ” is the translated heading."
        ),
    )


@login_required
def staff_version_translation(request, slug: str, number: int, language: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    version = get_object_or_404(DocumentVersion, consultation=consultation, number=number)
    languages = selectors.translation_languages(version=version)
    if language not in languages:
        raise Http404(_("No such language."))
    sections = list(Section.objects.filter(version=version).order_by("ordinal"))
    saved = selectors.translations_of(version=version, language=language)
    form = TranslationForm(
        request.POST or None,
        initial={"text": selectors.translation_text(sections=sections, translations=saved)},
    )
    form.fields["text"].widget.attrs["lang"] = language  # spell-checking in the right language
    rows = submit(
        request,
        form,
        lambda data: translations.version_translation_set(
            actor=request.user, version=version, language=language, text=data["text"]
        ),
    )
    if rows is not NOT_DONE:
        messages.success(
            request,
            _("The %(language)s translation of version %(n)d is saved (%(count)d sections).")
            % {"language": language_name(language), "n": version.number, "count": len(rows)},
        )
        return redirect("staff_version_translation", slug=slug, number=number, language=language)
    return render(
        request,
        "consult/staff/translation_form.html",
        {
            "consultation": consultation,
            "version": version,
            "language": language,
            "language_name": language_name(language),
            "other_languages": [(code, language_name(code)) for code in languages],
            "saved": bool(saved),
            "form": form,
        },
    )
