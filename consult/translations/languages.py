"""Languages: the interface's (settings.LANGUAGES) and the languages content is written in.

The interface language is chosen by LocaleMiddleware (the ``django_language``
cookie set by the switcher, else the browser's Accept-Language).  Content has
its own language: a consultation's original (``Consultation.language``), a
section's translations (``consult.SectionTranslation``) and each comment's
``Comment.language`` (blank when unknown).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A short BCP 47 tag ("fr", "pt-BR", "sw"): what Comment.language (8 characters) can hold.
# Interface languages that write the names of languages in lower case.
LOWER_CASE_NAMES = {"fr", "es", "pt"}
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,4})?")


def interface_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def active_language() -> str:
    """The base code of the active interface language ("pt" for "pt-br")."""
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


def language_name(code: str, *, local: bool = False) -> str:
    """The language's name in the interface language ("anglais" in French), else the code.

    ``local=True`` gives its name in itself ("Français"), for lists of languages.
    """
    try:
        info = translation.get_language_info(code)
    except KeyError:
        return code
    if local:
        return str(info["name_local"])
    name = str(info["name_translated"])
    # French, Spanish and Portuguese write language names in lower case ("en anglais").
    return name.lower() if active_language() in LOWER_CASE_NAMES else name


def comment_language_choices() -> list[tuple[str, str]]:
    return [("", gettext_lazy("Not stated"))] + [
        (code, language_name(code, local=True)) for code in interface_codes()
    ]


def comment_language_check(language: str | None) -> str:
    """The normalised language of a comment ("" when not stated); refuses a malformed tag."""
    language = (language or "").strip()
    if not language:
        return ""
    if len(language) > 8 or not LANGUAGE_TAG.fullmatch(language):
        raise ValidationError({"language": _("Choose the language of your comment from the list.")})
    return language


def mail_language(code: str | None) -> str:
    """The language to write a mail in: ``code`` when the interface has it, else the default.

    There is no per-account language field: a mail about a comment uses the
    comment's language (which defaults to the interface language its author
    used); other mails use settings.LANGUAGE_CODE.
    """
    base = (code or "").split("-")[0].lower()
    return base if base in interface_codes() else settings.LANGUAGE_CODE
