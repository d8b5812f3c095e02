"""Site data in the reader's language: names the secretariat types once and translates.

Stakeholder groups (name, description) and the choices of questions (label)
keep their original text in their own columns and, in a ``translations``
JSON field, what the secretariat entered for the other interface languages::

    {"fr": {"name": "Société civile", "description": "..."}, "es": {...}}

``translated`` reads the field in the active interface language and falls
back to the original when there is no translation (or an empty one), so
nothing is ever shown blank.  One JSON column per model rather than a column
per language and field (django-modeltranslation's way): the set of languages
is ``settings.LANGUAGES``, which may grow without a migration, and the
original columns, their queries and their constraints stay as they were.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation


def translation_languages() -> list[str]:
    """The interface languages a site text may be translated into (all but the default)."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def reader_language() -> str:
    """The base code of the active interface language ("pt" for "pt-br")."""
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


def translated(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>`` in ``language`` (default: the reader's), else the original."""
    language = language or reader_language()
    entry = (getattr(obj, "translations", None) or {}).get(language) or {}
    value = entry.get(field) if isinstance(entry, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else getattr(obj, field)


def translations_clean(given: dict, fields: Iterable[str]) -> dict:
    """What to store: stripped texts of ``fields``, known languages only, no empty entries."""
    fields = list(fields)
    kept: dict[str, dict[str, str]] = {}
    for language in translation_languages():
        entry = given.get(language) or {}
        texts = {
            field: " ".join(str(entry[field]).split())
            if field == "name"
            else str(entry[field]).strip()
            for field in fields
            if str(entry.get(field) or "").strip()
        }
        if texts:
            kept[language] = texts
    return kept
