"""Composing the next version of the draft from the adopted amendments (issue 24).

``version_compose`` takes the current (latest published) version, writes every
amendment whose current decision is accepted or partly accepted into its
section's Markdown (``comments.amendments.quote.replace``: the adopted wording
in place of the quoted passage, inline markup kept), and imports the result as
the next, unpublished version through ``consult.versions.services.draft_import``,
so sections, keys, matching, translations and publication behave as for any
import.  Headings are untouched, and each section is hinted with its key, so
every section keeps its key and ``previous``.

Never resolved silently: amendments whose adopted spans overlap in a section are
all listed as a conflict of that section and none of them is applied (adjacent
spans do not overlap); so is an amendment whose span cannot be written back into
the source.  Amendments on sections of an older version are listed as skipped.
A person resolves conflicts by editing the composed draft.  Composing is refused
while a later version is unpublished (a composition not yet published, or an
import): publish or delete it first, so nothing is composed twice over.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from comments.amendments.quote import fold, html_text, plain_text, rendered_text, replace
from consult import permissions
from consult.models import Consultation, DocumentVersion, Section
from consult.versions.services import draft_import
from feedback.compose import selectors
from feedback.compose.selectors import Adopted
from feedback.models import AmendmentApplication
from plenary.audit.models import Event
from plenary.audit.services import audit_record

OVERLAP = "overlap"
UNMAPPABLE = "unmappable"
# Wording a reader sees exactly as written (whitespace folded): nothing Markdown or
# HTML would consume, and no block marker at its start.  Most adopted wordings are
# such plain words; they skip a render (bench/compose.py).
_PLAIN_WORDING = re.compile(r"(?![ \t]*[-+>])(?![ \t]*\d+[.)](?:[ \t]|$))[^\\`*_\[\]<>#&!~|\n\r=]*")


@dataclass(frozen=True)
class Conflict:
    """Adopted amendments of one section left for a person to resolve."""

    section: str  # the section's key
    receipts: list[str]
    reason: str  # OVERLAP or UNMAPPABLE


@dataclass(frozen=True)
class Skipped:
    """An adopted amendment on a section of an older version: not applicable."""

    receipt: str
    section: str
    version: int


@dataclass
class Composition:
    version: DocumentVersion
    applied: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class _SectionPlan:
    """What composition does to one section of the current version."""

    section: Section
    applied: list[Adopted]
    body: str


def _overlap_groups(adopted: list[Adopted]) -> tuple[list[Adopted], list[list[Adopted]]]:
    """Split a section's amendments into those that overlap none and the groups
    that overlap (transitively): ``[start, end)`` spans, adjacency is no overlap."""
    ordered = sorted(adopted, key=lambda a: (a.amendment.start, a.amendment.end))
    groups: list[list[Adopted]] = []
    reach = -1
    for item in ordered:
        if groups and item.amendment.start < reach:
            groups[-1].append(item)
            reach = max(reach, item.amendment.end)
        else:
            groups.append([item])
            reach = item.amendment.end
    alone = [group[0] for group in groups if len(group) == 1]
    return alone, [group for group in groups if len(group) > 1]


def _plan_section(
    section: Section, adopted: list[Adopted], conflicts: list[Conflict]
) -> _SectionPlan:
    plain = plain_text(section.body)
    alone, overlapping = _overlap_groups(adopted)
    conflicts.extend(
        Conflict(section.key, [a.receipt for a in group], OVERLAP) for group in overlapping
    )
    mappable, unmappable = [], []
    for item in alone:
        start, end = item.amendment.start, item.amendment.end
        if plain.source_span(start, end) is None:
            unmappable.append(item)
        else:
            mappable.append(item)
    body = section.body
    if mappable:
        try:
            body = replace(
                plain,
                [(a.amendment.start, a.amendment.end, a.entry.adopted_text) for a in mappable],
            )
        except ValueError:  # checked above; kept so nothing is ever applied half-way
            unmappable, mappable, body = unmappable + mappable, [], section.body
    if unmappable:
        conflicts.append(Conflict(section.key, [a.receipt for a in unmappable], UNMAPPABLE))
    return _SectionPlan(section=section, applied=mappable, body=body)


def _line_start_find(text: str, body: str, position: int) -> int:
    """The first occurrence of ``body`` at or after ``position`` that starts a line."""
    at = text.find(body, position)
    while at > 0 and text[at - 1] != "\n":
        at = text.find(body, at + 1)
    return at


def _composed_source(
    source: str, sections: list[Section], plans: dict[int, _SectionPlan]
) -> tuple[str, list[_SectionPlan]]:
    """``source`` with each planned section's body replaced.  A section's body is an
    exact slice of the source's lines (``plenary.text.markdown_blocks``), so every
    section is found in order, each from where the one before it ended (two sections
    with the same words cannot be mistaken).  Returns the new source and the plans
    that could not be placed (none in practice)."""
    text = "\n".join(source.splitlines())  # the lines markdown_blocks sliced
    pieces, position, lost = [], 0, []
    for section in sections:
        plan = plans.get(section.pk)
        at = _line_start_find(text, section.body, position)
        if at < 0:
            if plan is not None:
                lost.append(plan)
            continue
        if plan is not None:
            pieces.append(text[position:at])
            pieces.append(plan.body)
            position = at + len(section.body)
        else:
            pieces.append(text[position : at + len(section.body)])
            position = at + len(section.body)
    pieces.append(text[position:])
    return "".join(pieces), lost


def _span_in(new_text: str, expected: str, guess: int) -> tuple[int, int]:
    """Where the adopted wording (as a reader sees it) sits in the new plain text:
    at ``guess`` if it is there, else its occurrence nearest to it."""
    if not expected:
        guess = max(0, min(guess, len(new_text)))
        return guess, guess
    if new_text[guess : guess + len(expected)] == expected:
        return guess, guess + len(expected)
    starts, at = [], new_text.find(expected)
    while at != -1:
        starts.append(at)
        at = new_text.find(expected, at + 1)
    if not starts:  # the wording's own markup merged with its neighbours': best effort
        guess = max(0, min(guess, len(new_text)))
        return guess, min(len(new_text), guess + len(expected))
    best = min(starts, key=lambda s: abs(s - guess))
    return best, best + len(expected)


def _as_read(wording: str) -> str:
    """The wording as a reader sees it (``rendered_text``), rendering only if needed."""
    if _PLAIN_WORDING.fullmatch(wording):
        return fold(wording)
    return rendered_text(wording)


def _applications(
    *, version: DocumentVersion, plans: list[_SectionPlan]
) -> list[AmendmentApplication]:
    """One AmendmentApplication per applied amendment: the new section (the one
    that continues the amended section) and the adopted wording's plain-text span."""
    new_sections = {
        section.previous_id: section for section in version.sections.filter(previous__isnull=False)
    }
    rows = []
    for plan in plans:
        new_section = new_sections.get(plan.section.pk)
        if new_section is None or not plan.applied:
            continue
        new_text = html_text(new_section.body_html)  # rendered by the import already
        shift = 0
        for item in sorted(plan.applied, key=lambda a: a.amendment.start):
            expected = _as_read(item.entry.adopted_text)
            # Where it should be: the old start, moved by the wordings applied before it.
            start, end = _span_in(new_text, expected, item.amendment.start + shift)
            shift += len(expected) - (item.amendment.end - item.amendment.start)
            rows.append(
                AmendmentApplication(
                    amendment=item.amendment,
                    version=version,
                    section=new_section,
                    entry=item.entry,
                    adopted_text=item.entry.adopted_text,
                    start=start,
                    end=end,
                )
            )
    return rows


@transaction.atomic
def version_compose(*, actor, consultation: Consultation, changelog: str = "") -> Composition:
    """Compose the next version from the current one with every adopted amendment
    applied (see the module); a ValidationError on ``compose`` when there is nothing
    to compose from or to apply, or a later version is not published yet."""
    permissions.require_can_run(actor, consultation)
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    current = selectors.current_version(consultation=consultation)
    if current is None:
        raise ValidationError(
            {"compose": _("No version is published yet: there is nothing to compose from.")}
        )
    pending = selectors.unpublished_after(consultation=consultation, number=current.number)
    if pending is not None:
        raise ValidationError(
            {
                "compose": _(
                    "Version %(n)d is not published yet: publish or delete it before composing "
                    "the next version."
                )
                % {"n": pending.number}
            }
        )
    adopted = selectors.adopted_amendments(consultation=consultation)
    already = selectors.applied_amendment_ids(amendment_ids=[a.amendment.pk for a in adopted])
    by_section: dict[int, list[Adopted]] = {}
    skipped = []
    for item in adopted:
        section = item.amendment.comment.section
        if section is None or section.version_id != current.pk:
            if item.amendment.pk in already:  # applied in a later version already
                continue
            skipped.append(
                Skipped(
                    receipt=item.receipt,
                    section=section.key if section else "",
                    version=section.version.number if section else 0,
                )
            )
        else:
            by_section.setdefault(section.pk, []).append(item)
    if not by_section:
        raise ValidationError(
            {
                "compose": _(
                    "No amendment to version %(n)d is accepted or partly accepted yet: there "
                    "is nothing to apply."
                )
                % {"n": current.number}
            }
        )
    sections = list(current.sections.order_by("ordinal"))
    conflicts: list[Conflict] = []
    plans = [
        _plan_section(section, by_section[section.pk], conflicts)
        for section in sections
        if section.pk in by_section
    ]
    source, lost = _composed_source(
        current.source, sections, {plan.section.pk: plan for plan in plans}
    )
    for plan in lost:
        if plan.applied:
            receipts = [a.receipt for a in plan.applied]
            conflicts.append(Conflict(plan.section.key, receipts, UNMAPPABLE))
        plan.applied = []
    applied = sorted(
        (item for plan in plans for item in plan.applied),
        key=lambda a: (a.amendment.comment.created_at, a.amendment.comment_id),
    )
    version = draft_import(
        actor=actor,
        consultation=consultation,
        source=source,
        changelog=changelog
        or _("Composed from version %(n)d with %(count)d adopted amendments.")
        % {"n": current.number, "count": len(applied)},
        section_keys=[section.key for section in sections],
    )
    AmendmentApplication.objects.bulk_create(_applications(version=version, plans=plans))
    audit_record(
        event=Event.VERSION_COMPOSED,
        actor=actor,
        consultation=consultation,
        target=f"v{version.number}",
        source=f"v{current.number}",
        applied=[a.receipt for a in applied],
        conflicts=[{"section": c.section, "receipts": c.receipts} for c in conflicts],
        skipped=[s.receipt for s in skipped],
    )
    return Composition(
        version=version,
        applied=[a.receipt for a in applied],
        conflicts=conflicts,
        skipped=skipped,
    )
