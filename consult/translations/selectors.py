"""Reads of translations: the languages a version may be translated into, the
text to pre-fill, the saved translations, and the text a reader sees.

Saving a translation is ``consult.translations.services``.
"""

from __future__ import annotations

from consult.models import DocumentVersion, Section, SectionTranslation
from consult.translations.languages import active_language, interface_codes, language_name


def translation_languages(*, version: DocumentVersion) -> list[str]:
    """The interface languages a version can be translated into (not its own)."""
    original = version.consultation.language
    return [code for code in interface_codes() if code != original]


def translation_text(
    *, sections: list[Section], translations: dict[int, SectionTranslation]
) -> str:
    """The text to pre-fill: the saved translation of each section, else its original."""
    parts = []
    for section in sections:
        saved = translations.get(section.pk)
        heading = saved.heading if saved else section.heading
        body = saved.body if saved else section.body
        lines = [f"=== {section.key} ==="]
        if heading:
            lines.append(f"# {heading}")
        lines.append(body.strip("\n"))
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def translations_of(*, version: DocumentVersion, language: str) -> dict[int, SectionTranslation]:
    """{section id: translation} in one query."""
    rows = SectionTranslation.objects.filter(section__version=version, language=language)
    return {row.section_id: row for row in rows}


def attach_display(*, sections: list[Section], consultation, show_original: bool = False) -> dict:
    """Set ``display_heading``/``display_html``/``display_lang`` on each section (one query).

    The viewer's interface language picks the translation; ``display_lang`` is
    the language of the text shown (the ``lang`` attribute), so screen readers
    switch voice.  Returns what the page needs for its note: the
    language shown, whether a translation exists, and the original's name.
    """
    viewer = active_language()
    original = consultation.language
    translations: dict[int, SectionTranslation] = {}
    if sections and viewer != original:
        translations = {
            row.section_id: row
            for row in SectionTranslation.objects.filter(
                section__in=[section.pk for section in sections], language=viewer
            )
        }
    use = bool(translations) and not show_original
    for section in sections:
        row = translations.get(section.pk) if use else None
        section.display_heading = (row.heading or section.heading) if row else section.heading  # type: ignore[attr-defined]
        section.display_html = row.body_html if row else section.body_html  # type: ignore[attr-defined]
        # Always marked, so that a translated or foreign original is announced in its language.
        section.display_lang = viewer if row else original  # type: ignore[attr-defined]
        section.is_translation = row is not None  # type: ignore[attr-defined]
    return {
        "available": bool(translations),
        "showing_translation": use,
        "language": viewer,
        "language_name": language_name(viewer),
        "original": original,
        "original_name": language_name(original),
    }
