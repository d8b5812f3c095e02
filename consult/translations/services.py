"""Translations of a draft version: one ``SectionTranslation`` per section and language.

The secretariat pastes the whole translation at once in a format that cannot
drift out of step with the original: the sections in order, each under a
marker line naming its key, with the translated heading (if the section sits
under one) as a ``# `` line first::

    === purpose-1 ===
    # Purpose
    Cette politique définit ...

    === purpose-2 ===
    # Purpose
    ...

The staff page pre-fills the text area with exactly this, from the original
(or the translation already saved), so translators only replace the words.
A missing, unknown, repeated or out-of-order key, or an empty section, refuses
the whole text with a message naming the section; nothing is written.

Readers see the translation matching their interface language when there is
one (``consult.translations.selectors.attach_display``), marked with ``lang``
and with a link to the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consult import permissions
from consult.models import DocumentVersion, Section, SectionTranslation
from consult.translations.selectors import translation_languages
from plenary.audit.services import audit_record
from plenary.text import render_markdown

MARKER = re.compile(r"^===\s*([\w-]+)\s*===\s*$")
MAX_CHARS = 400_000


@dataclass
class ParsedSection:
    key: str
    heading: str
    body: str


def parse(text: str) -> list[ParsedSection]:
    """Split pasted text into (key, heading, body) blocks; refuses text before the first marker."""
    blocks: list[ParsedSection] = []
    current: list[str] | None = None
    key = ""
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARKER.match(line)
        if match:
            if current is not None:
                blocks.append(_block(key, current))
            key, current = match.group(1), []
        elif current is None:
            if line.strip():
                raise ValidationError(
                    {
                        "text": _(
                            "Line %(n)d comes before the first section marker "
                            "(a line such as “=== %(key)s ===”)."
                        )
                        % {"n": number, "key": "purpose-1"}
                    }
                )
        else:
            current.append(line)
    if current is not None:
        blocks.append(_block(key, current))
    return blocks


def _block(key: str, lines: list[str]) -> ParsedSection:
    while lines and not lines[0].strip():
        lines = lines[1:]
    heading = ""
    if lines and lines[0].startswith("# "):
        heading, lines = lines[0][2:].strip(), lines[1:]
    return ParsedSection(key=key, heading=heading, body="\n".join(lines).strip("\n"))


def _check(blocks: list[ParsedSection], sections: list[Section]) -> None:
    """Every section once, in order, none empty, nothing else; the first mismatch is named."""
    expected = [section.key for section in sections]
    known = set(expected)
    seen: set[str] = set()
    for block in blocks:
        if block.key not in known:
            raise ValidationError(
                {"text": _("This version has no section “%(key)s”.") % {"key": block.key}}
            )
        if block.key in seen:
            raise ValidationError(
                {"text": _("Section “%(key)s” appears twice.") % {"key": block.key}}
            )
        seen.add(block.key)
    for ordinal, key in enumerate(expected, start=1):
        if key not in seen:
            raise ValidationError(
                {"text": _("Section %(n)d (“%(key)s”) is missing.") % {"n": ordinal, "key": key}}
            )
    for position, block in enumerate(blocks):
        if block.key != expected[position]:
            raise ValidationError(
                {
                    "text": _(
                        "Section “%(key)s” is out of order: keep the sections in the "
                        "order of the original (“%(expected)s” comes here)."
                    )
                    % {"key": block.key, "expected": expected[position]}
                }
            )
        if not block.body.strip():
            raise ValidationError(
                {
                    "text": _("Section %(n)d (“%(key)s”) has no text.")
                    % {"n": position + 1, "key": block.key}
                }
            )


@transaction.atomic
def version_translation_set(
    *, actor, version: DocumentVersion, language: str, text: str
) -> list[SectionTranslation]:
    """Add or replace the ``language`` translation of every section of ``version``.

    All sections or none: the old translation rows of this version and
    language are replaced in one transaction.
    """
    consultation = version.consultation
    permissions.require_can_run(actor, consultation)
    if language not in translation_languages(version=version):
        raise ValidationError(
            {"language": _("Choose one of the site's languages other than the original.")}
        )
    if "\x00" in text:
        raise ValidationError({"text": _("The text contains a NUL character.")})
    if len(text) > MAX_CHARS:
        raise ValidationError(
            {"text": _("The translation is longer than %(max)d characters.") % {"max": MAX_CHARS}}
        )
    sections = list(Section.objects.filter(version=version).order_by("ordinal"))
    blocks = parse(text)
    _check(blocks, sections)
    SectionTranslation.objects.filter(section__version=version, language=language).delete()
    rows = SectionTranslation.objects.bulk_create(
        SectionTranslation(
            section=section,
            language=language,
            heading=block.heading[:300],
            body=block.body,
            body_html=render_markdown(block.body),
            created_by=actor,
        )
        for section, block in zip(sections, blocks, strict=True)
    )
    audit_record(
        event="version_translated",
        actor=actor,
        consultation=consultation,
        target=f"v{version.number}",
        language=language,
        sections=len(rows),
    )
    return rows
