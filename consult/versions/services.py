"""Versions of the draft: importing the next one (Markdown, or an uploaded DOCX,
ODT or text file converted by ``drafts``), and correcting how its sections
match the previous version's."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult import permissions
from consult.consultations.selectors import version_scope
from consult.models import Consultation, DocumentVersion, Section
from consult.versions import drafts
from consult.versions.drafts import (
    fresh_key,
    previous_version,
    section_similarity,
    upload_to_markdown,
)
from feedback.models import DispositionEntry
from plenary import readcache
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.text import markdown_blocks, render_markdown

DRAFT_MAX_CHARS = 500_000


def _section_keys(blocks: list[tuple[str, str]]) -> list[str]:
    """Readable keys: the heading's slug and the block's position under it."""
    keys: list[str] = []
    seen: set[str] = set()
    counters: dict[str, int] = {}
    for heading, _body in blocks:
        base = drafts.section_key_base(heading)
        counters[base] = counters.get(base, 0) + 1
        key = f"{base}-{counters[base]}"
        while key in seen:
            counters[base] += 1
            key = f"{base}-{counters[base]}"
        seen.add(key)
        keys.append(key)
    return keys


@transaction.atomic
def draft_import(
    *,
    actor,
    consultation: Consultation,
    source: str,
    changelog: str = "",
    source_format: str = DocumentVersion.Format.MARKDOWN,
    section_keys: list[str | None] | None = None,
) -> DocumentVersion:
    """Import a Markdown draft as the next version, split into keyed sections.

    From version 2 on, sections are matched to the previous version's
    (``consult.versions.drafts.keys_for_import``): a continued section keeps its key.
    ``section_keys`` are the keys a Plenary download's labels name, one per section
    (``drafts.Converted.keys``): such a section keeps the key its label names.
    """
    permissions.require_can_run(actor, consultation)
    if len(source) > DRAFT_MAX_CHARS:
        raise ValidationError(
            {"source": _("The draft is longer than %(max)d characters.") % {"max": DRAFT_MAX_CHARS}}
        )
    blocks = markdown_blocks(source)
    if not blocks:
        raise ValidationError({"source": _("The draft has no paragraphs to comment on.")})
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    number = (consultation.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion.objects.create(
        consultation=consultation,
        number=number,
        source=source,
        source_format=source_format,
        changelog=changelog.strip(),
        created_by=actor,
    )
    matches = drafts.keys_for_import(
        consultation=consultation, number=number, blocks=blocks, hints=section_keys
    )
    if matches is None:
        matches = [drafts.Match(key, None, None) for key in _section_keys(blocks)]
    Section.objects.bulk_create(
        Section(
            version=version,
            key=match.key,
            previous_id=match.previous_id,
            match_score=match.score,
            ordinal=ordinal,
            heading=heading[:300],
            body=body,
            body_html=render_markdown(body),
        )
        for ordinal, ((heading, body), match) in enumerate(
            zip(blocks, matches, strict=True), start=1
        )
    )
    audit_record(
        event=Event.DRAFT_IMPORTED,
        actor=actor,
        consultation=consultation,
        target=f"v{version.number}",
        source_format=version.source_format,
        sections=len(blocks),
    )
    return version


def draft_import_file(
    *, actor, consultation: Consultation, name: str, content: bytes, changelog: str = ""
) -> DocumentVersion:
    """Import an uploaded file as the next version (converted, then ``draft_import``).

    A DOCX or ODT downloaded from Plenary and edited comes back without its title,
    version line and paragraph labels, its labelled paragraphs keeping their keys
    (``consult.versions.drafts``)."""
    permissions.require_can_run(actor, consultation)
    converted = upload_to_markdown(name=name, content=content)
    try:
        return draft_import(
            actor=actor,
            consultation=consultation,
            source=converted.source,
            source_format=converted.format,
            changelog=changelog,
            section_keys=converted.keys,
        )
    except ValidationError as exc:
        # The Markdown's faults are the uploaded file's: say so beside the file field.
        if hasattr(exc, "error_dict") and "source" in exc.error_dict:
            raise ValidationError({"file": exc.error_dict["source"]}) from exc
        raise


# --- matching -----------------------------------------------------------------


@transaction.atomic
def version_match_set(
    *, actor, version: DocumentVersion, matches: dict[int, int | None]
) -> DocumentVersion:
    """Correct the matching of an unpublished version: ``{section id: previous section id
    or None for "a new section"}``.  Sections not named keep their match.

    A section matched to a previous one takes its key; a section made new keeps its key
    if no other section of the consultation uses it, else gets a fresh one.  Keys are
    swapped through temporary ones, so the per-version unique key holds at every row.
    """
    consultation = version.consultation
    permissions.require_can_run(actor, consultation)
    DocumentVersion.objects.select_for_update().filter(pk=version.pk).first()
    version.refresh_from_db(fields=["published_at"])
    if version.published_at is not None:
        raise ValidationError(
            {"matches": _("This version is published: its sections' matches are final.")}
        )
    earlier = previous_version(version)
    if earlier is None:
        raise ValidationError({"matches": _("The first version has nothing to match against.")})
    sections = {s.pk: s for s in version.sections.order_by("ordinal")}
    olds = {s.pk: s for s in earlier.sections.all()}
    errors: dict[str, list[str]] = {}
    for section_id, previous_id in matches.items():
        if section_id not in sections:
            errors.setdefault("matches", []).append(
                _("Section %(id)s is not a section of this version.") % {"id": section_id}
            )
        elif previous_id is not None and previous_id not in olds:
            errors.setdefault(f"section_{section_id}", []).append(
                _("Choose a section of version %(n)d, or “new section”.") % {"n": earlier.number}
            )
    if errors:
        raise ValidationError(errors)
    wanted = {pk: matches.get(pk, s.previous_id) for pk, s in sections.items()}
    claimed: dict[int, int] = {}
    for pk in sorted(sections, key=lambda pk: sections[pk].ordinal):
        previous_id = wanted[pk]
        if previous_id is None:
            continue
        if previous_id in claimed:
            other = sections[claimed[previous_id]]
            errors.setdefault(f"section_{pk}", []).append(
                _(
                    "Paragraph %(other)d already continues this section of version %(n)d: "
                    "two sections cannot continue the same one."
                )
                % {"other": other.ordinal, "n": earlier.number}
            )
        claimed[previous_id] = pk
    if errors:
        raise ValidationError(errors)

    # Keys no new section may take: every key of the other versions.
    taken = set(
        Section.objects.filter(version__consultation=consultation)
        .exclude(version=version)
        .values_list("key", flat=True)
    )
    reused = {olds[p].key for p in wanted.values() if p is not None}
    final: dict[int, str] = {}
    for pk in sorted(sections, key=lambda pk: sections[pk].ordinal):
        previous_id = wanted[pk]
        if previous_id is not None:
            final[pk] = olds[previous_id].key
    assigned = set(final.values())
    for pk in sorted(sections, key=lambda pk: sections[pk].ordinal):
        if pk in final:
            continue
        key = sections[pk].key
        if key in taken or key in reused or key in assigned:
            key = fresh_key(sections[pk].heading, taken | reused | assigned)
        final[pk] = key
        assigned.add(key)

    changed = []
    for pk, section in sections.items():
        previous_id = wanted[pk]
        score = section_similarity(section, olds[previous_id]) if previous_id else None
        if (section.key, section.previous_id, section.match_score) != (
            final[pk],
            previous_id,
            score,
        ):
            section.previous_id, section.match_score = previous_id, score
            changed.append(section)
    if changed:
        # Temporary keys first ("--" never starts a slugify()d key), then the final ones.
        for section in changed:
            section.key = f"--tmp-{section.pk}"
        Section.objects.bulk_update(changed, ["key"])
        for section in changed:
            section.key = final[section.pk]
        Section.objects.bulk_update(changed, ["key", "previous", "match_score"])
        # bulk_update() sends no post_save: the kept sections are dropped here.
        readcache.forget(version_scope(version.pk))
    audit_record(
        event=Event.VERSION_MATCHED,
        actor=actor,
        consultation=consultation,
        target=f"v{version.number}",
        changed=len(changed),
    )
    return version


# --- publishing ---------------------------------------------------------------


@transaction.atomic
def version_publish(*, actor, version: DocumentVersion) -> DocumentVersion:
    """Publish an unpublished version (an import, or a composition: issue 24) so that
    participants read it; a round opened on it publishes it the same way.

    Refused, with the reason on ``version``, when it is already published or an
    earlier version is still unpublished (versions are read in order)."""
    consultation = version.consultation
    permissions.require_can_run(actor, consultation)
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    version.refresh_from_db(fields=["published_at"])
    if version.published_at is not None:
        raise ValidationError(
            {"version": _("Version %(n)d is already published.") % {"n": version.number}}
        )
    earlier = (
        consultation.versions.filter(number__lt=version.number, published_at__isnull=True)
        .order_by("number")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            {
                "version": _("Publish version %(m)d first: versions are published in order.")
                % {"m": earlier.number}
            }
        )
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    audit_record(
        event=Event.VERSION_PUBLISHED,
        actor=actor,
        consultation=consultation,
        target=f"v{version.number}",
    )
    return version


# --- deleting -----------------------------------------------------------------


@transaction.atomic
def version_delete(*, actor, version: DocumentVersion) -> None:
    """Delete an unpublished version (a wrong upload) with its sections.

    Refused, with the reason on ``version``, for a published version (participants
    may have read it), for any but the newest (the next one's numbers and matches
    build on it), and for a version a round reviews or that comments or decisions
    name.
    """
    consultation = version.consultation
    permissions.require_can_run(actor, consultation)
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    version.refresh_from_db(fields=["published_at"])
    refusal = None
    if version.published_at is not None:
        refusal = _("Version %(n)d is published: it cannot be deleted.")
    elif consultation.versions.filter(number__gt=version.number).exists():
        refusal = _("Only the newest version can be deleted: version %(n)d has a later one.")
    elif version.rounds.exists():
        refusal = _("A round reviews version %(n)d: it cannot be deleted.")
    elif (
        Comment.objects.filter(section__version=version).exists()
        or DispositionEntry.objects.filter(target_section__version=version).exists()
    ):
        refusal = _("Comments or decisions name version %(n)d: it cannot be deleted.")
    if refusal is not None:
        raise ValidationError({"version": refusal % {"n": version.number}})
    number, pk = version.number, version.pk
    version.delete()  # its sections and their translations go with it (CASCADE)
    readcache.forget(version_scope(pk))
    audit_record(
        event=Event.VERSION_DELETED,
        actor=actor,
        consultation=consultation,
        target=f"v{number}",
    )
