"""Versioned drafts: file import (DOCX, ODT, Markdown), section matching, match corrections.

One import path: every upload is converted to Markdown here and handed to
``consult.services.draft_import`` with its ``source_format``; that service
splits it into sections and asks ``propose_matches`` for their keys, so a
section that continues a section of the previous version keeps its key
(``Section.previous`` and ``match_score`` say which one, and how sure the
match is).  The secretariat corrects the matches with ``version_match_set``
until the version is published (``published_at``).
"""

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from plenary import readcache
from plenary.audit.models import Event
from plenary.audit.services import audit_record

from . import permissions
from .models import Consultation, DocumentVersion, Section
from .selectors import version_scope

DRAFT_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# A DOCX/ODT is a zip: refuse one that would inflate past this (a zip bomb).
DRAFT_UNZIPPED_MAX_BYTES = 50 * 1024 * 1024
# Combined similarity (0..1) above which a new section continues an old one.
MATCH_THRESHOLD = 0.45
HEADING_WEIGHT = 0.2

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt"}
_WORD = re.compile(r"\w+", re.UNICODE)


# --- conversion ---------------------------------------------------------------


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _zip_or_refuse(content: bytes, *, claimed: str) -> zipfile.ZipFile:
    not_what_it_claims = _refuse(
        _("This file is not a real %(format)s document: it cannot be read as one.")
        % {"format": claimed}
    )
    if not content.startswith(b"PK\x03\x04"):
        raise not_what_it_claims
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_what_it_claims from exc
    if total > DRAFT_UNZIPPED_MAX_BYTES:
        raise _refuse(_("This document unpacks to more than 50 MB; it is refused."))
    return archive


def _escape_line(text: str) -> str:
    """Keep a paragraph's text from being read as Markdown structure (a heading, a list)."""
    text = text.replace("\r", "").replace("\n", " ").strip()
    if re.match(r"^(#|>|[-*+]\s|\d+[.)]\s|={3,}|-{3,}|`{3})", text):
        text = "\\" + text
    return text


def _table_markdown(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    cells = [
        [cell.replace("|", "\\|").replace("\n", " ").strip() for cell in row]
        + [""] * (width - len(row))
        for row in rows
    ]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def _join_blocks(blocks: list[tuple[str, str]]) -> str:
    """Markdown from (kind, text) blocks: consecutive list items stay one list."""
    out: list[str] = []
    previous_kind = ""
    for kind, text in blocks:
        if out and not (kind == previous_kind and kind in {"bullet", "number"}):
            out.append("")
        if kind == "bullet":
            out.append(f"- {text}")
        elif kind == "number":
            out.append(f"1. {text}")
        else:
            out.append(text)
        previous_kind = kind
    return "\n".join(out).strip() + "\n"


def _docx_runs(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = run.text.replace("*", "\\*").replace("_", "\\_")
        if text.strip() and (run.bold or run.italic):
            lead, core, tail = re.match(r"^(\s*)(.*?)(\s*)$", text, re.S).groups()
            marker = "**" if run.bold else "*"
            text = f"{lead}{marker}{core}{marker}{tail}"
        parts.append(text)
    return "".join(parts)


def docx_to_markdown(content: bytes) -> str:
    archive = _zip_or_refuse(content, claimed="DOCX")
    if "word/document.xml" not in archive.namelist():
        raise _refuse(_("This file is not a real DOCX document: it has no Word document inside."))
    from docx import Document

    try:
        document = Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises a variety of parser errors
        raise _refuse(_("This DOCX document is damaged and cannot be read.")) from exc
    try:
        return _join_blocks(_docx_blocks(document))
    except ValidationError:
        raise
    except Exception as exc:  # a document python-docx opens but cannot walk
        raise _refuse(_("This DOCX document is damaged and cannot be read.")) from exc


def _docx_blocks(document) -> list[tuple[str, str]]:
    from docx.table import Table

    blocks: list[tuple[str, str]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [[cell.text for cell in row.cells] for row in item.rows]
            if any(any(c.strip() for c in row) for row in rows):
                blocks.append(("table", _table_markdown(rows)))
            continue
        text = _docx_runs(item).strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        level = re.match(r"^Heading (\d)$", style)
        if style == "Title" or level:
            depth = min(int(level.group(1)) + 1, 6) if level else 1
            blocks.append(("heading", "#" * depth + " " + item.text.strip()))
        elif style.startswith("List Number"):
            blocks.append(("number", _escape_line(text)))
        elif style.startswith("List") or (
            item._p.pPr is not None and item._p.pPr.numPr is not None
        ):
            blocks.append(("bullet", _escape_line(text)))
        else:
            blocks.append(("para", _escape_line(text)))
    return blocks


def odt_to_markdown(content: bytes) -> str:
    archive = _zip_or_refuse(content, claimed="ODT")
    try:
        mimetype = archive.read("mimetype").strip()
    except KeyError:
        mimetype = b""
    if mimetype != ODT_MIMETYPE or "content.xml" not in archive.namelist():
        raise _refuse(_("This file is not a real ODT document: it is not an OpenDocument text."))
    from odf import teletype
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(content))
    except Exception as exc:  # odfpy raises parser errors of several kinds
        raise _refuse(_("This ODT document is damaged and cannot be read.")) from exc

    blocks: list[tuple[str, str]] = []

    def text_of(element) -> str:
        return teletype.extractText(element).strip()

    def walk(element, list_kind: str = "") -> None:
        for child in element.childNodes:
            name = getattr(child, "qname", (None, None))[1]
            if name == "h":
                level = int(child.getAttribute("outlinelevel") or 1)
                heading = text_of(child)
                if heading:
                    blocks.append(("heading", "#" * min(level + 1, 6) + " " + heading))
            elif name == "p":
                text = text_of(child)
                if text:
                    blocks.append((list_kind or "para", _escape_line(text)))
            elif name == "list":
                walk(child, list_kind="bullet")
            elif name in {"list-item", "section"}:
                walk(child, list_kind=list_kind)
            elif name == "table":
                rows = [
                    [
                        text_of(cell)
                        for cell in row.childNodes
                        if getattr(cell, "qname", (None, None))[1] == "table-cell"
                    ]
                    for row in _descendants(child, "table-row")
                ]
                if any(any(rows_cell for rows_cell in row) for row in rows):
                    blocks.append(("table", _table_markdown(rows)))

    try:
        walk(document.text)
    except Exception as exc:  # an OpenDocument odfpy loads but this walk cannot read
        raise _refuse(_("This ODT document is damaged and cannot be read.")) from exc
    return _join_blocks(blocks)


def _descendants(element, name: str):
    for child in element.childNodes:
        if getattr(child, "qname", (None, None))[1] == name:
            yield child
        elif getattr(child, "childNodes", None):
            yield from _descendants(child, name)


def markdown_from_text_file(content: bytes) -> str:
    if content.startswith((b"%PDF", b"PK\x03\x04")) or b"\x00" in content:
        raise _refuse(_("This file is not a text file: upload Markdown or plain text."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(_("This text file is not in UTF-8: save it as UTF-8 and try again.")) from exc


def upload_to_markdown(*, name: str, content: bytes) -> tuple[str, str]:
    """The Markdown of an uploaded draft and its ``DocumentVersion.Format``.

    The file's name says what it claims to be; its bytes must agree (a PDF
    renamed ``.docx`` is refused).  Raises ValidationError on ``file``.
    """
    if not content:
        raise _refuse(_("The file is empty."))
    if len(content) > DRAFT_UPLOAD_MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(mb)d MB.") % {"mb": DRAFT_UPLOAD_MAX_BYTES // 2**20}
        )
    suffix = PurePath(name or "").suffix.lower()
    if suffix == ".docx":
        return docx_to_markdown(content), DocumentVersion.Format.DOCX
    if suffix == ".odt":
        return odt_to_markdown(content), DocumentVersion.Format.ODT
    if suffix in _MARKDOWN_SUFFIXES:
        return markdown_from_text_file(content), DocumentVersion.Format.MARKDOWN
    raise _refuse(_("Upload a .docx, .odt, .md or .txt file."))


def draft_import_file(
    *, actor, consultation: Consultation, name: str, content: bytes, changelog: str = ""
) -> DocumentVersion:
    """Import an uploaded file as the next version (converted, then ``draft_import``)."""
    from .services import draft_import

    permissions.require_can_run(actor, consultation)
    source, source_format = upload_to_markdown(name=name, content=content)
    try:
        return draft_import(
            actor=actor,
            consultation=consultation,
            source=source,
            source_format=source_format,
            changelog=changelog,
        )
    except ValidationError as exc:
        # The Markdown's faults are the uploaded file's: say so beside the file field.
        if hasattr(exc, "error_dict") and "source" in exc.error_dict:
            raise ValidationError({"file": exc.error_dict["source"]}) from exc
        raise


# --- matching -----------------------------------------------------------------


def _tokens(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _WORD.findall(text))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class _Text:
    heading: frozenset[str]
    body: frozenset[str]


def _text(heading: str, body: str) -> _Text:
    return _Text(_tokens(heading), _tokens(body))


def similarity(a: _Text, b: _Text) -> float:
    """Word-set (Jaccard) similarity of the bodies, with a little weight on the headings."""
    return (1 - HEADING_WEIGHT) * _jaccard(a.body, b.body) + HEADING_WEIGHT * _jaccard(
        a.heading, b.heading
    )


def section_similarity(new: Section, old: Section) -> float:
    return round(similarity(_text(new.heading, new.body), _text(old.heading, old.body)), 3)


@dataclass(frozen=True)
class Match:
    key: str
    previous_id: int | None
    score: float | None


def section_key_base(heading: str) -> str:
    """The readable part of a section key: the heading's slug (keys add ``-<n>``).
    Shared with the first version's keys (``services._section_keys``)."""
    return slugify(heading)[:48].strip("-") or "para"


def _fresh_key(heading: str, taken: set[str]) -> str:
    """A key for a new section, built as the first version's keys are, not in ``taken``."""
    base = section_key_base(heading)
    n = 1
    while f"{base}-{n}" in taken:
        n += 1
    key = f"{base}-{n}"
    taken.add(key)
    return key


def _incidence(sets: list[frozenset[str]], vocabulary: dict[str, int]):
    """A sparse 0/1 matrix: one row per word set, one column per word of ``vocabulary``."""
    import numpy as np
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, words in enumerate(sets):
        for word in words:
            rows.append(i)
            cols.append(vocabulary[word])
    data = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(sets), max(len(vocabulary), 1)))


def _jaccard_matrix(a: list[frozenset[str]], b: list[frozenset[str]], vocabulary):
    import numpy as np

    left, right = _incidence(a, vocabulary), _incidence(b, vocabulary)
    shared = (left @ right.T).toarray()
    sizes_a = np.array([len(s) for s in a], dtype=np.float32)[:, None]
    sizes_b = np.array([len(s) for s in b], dtype=np.float32)[None, :]
    union = sizes_a + sizes_b - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union == 0, 1.0, shared / union)


# Rows of new sections scored at once: bounds the dense score block's memory.
_CHUNK = 512
# Candidates kept per new section (its best-scoring previous sections).
_CANDIDATES = 8


def _scored_pairs(new_texts: list[_Text], old_texts: list[_Text]) -> list[tuple[float, int, int]]:
    """Every (score, new index, old index) at or above MATCH_THRESHOLD.

    The same score as ``similarity``, for all pairs at once: word-incidence
    matrices multiplied (scipy.sparse), so 500 x 500 sections take milliseconds
    rather than the seconds a Python loop over set intersections takes."""
    import numpy as np

    if not new_texts or not old_texts:
        return []
    vocabulary: dict[str, int] = {}
    for text in (*new_texts, *old_texts):
        for word in text.body | text.heading:
            vocabulary.setdefault(word, len(vocabulary))
    old_bodies = [t.body for t in old_texts]
    old_headings = [t.heading for t in old_texts]
    pairs: list[tuple[float, int, int]] = []
    for start in range(0, len(new_texts), _CHUNK):
        chunk = new_texts[start : start + _CHUNK]
        scores = (1 - HEADING_WEIGHT) * _jaccard_matrix(
            [t.body for t in chunk], old_bodies, vocabulary
        ) + HEADING_WEIGHT * _jaccard_matrix([t.heading for t in chunk], old_headings, vocabulary)
        # Only each new section's best few candidates: the greedy assignment takes its
        # pairs from there, and a draft of look-alike paragraphs (every one above the
        # threshold against every other) stays linear rather than quadratic in pairs.
        if scores.shape[1] > _CANDIDATES:
            best = np.argpartition(-scores, _CANDIDATES - 1, axis=1)[:, :_CANDIDATES]
        else:
            best = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
        # A hair below the threshold: float32 rounding must not drop a pair at the line.
        floor = MATCH_THRESHOLD - 1e-6
        pairs.extend(
            (float(scores[i, j]), start + i, j)
            for i, columns in enumerate(best.tolist())
            for j in columns
            if scores[i, j] >= floor
        )
    return pairs


def propose_matches(
    *, blocks: list[tuple[str, str]], previous: list[Section], taken: set[str]
) -> list[Match]:
    """Keys for the new ``blocks`` (heading, body): each continues at most one section of
    ``previous`` (greedy best pair first, above ``MATCH_THRESHOLD``; ties go to the
    closer position), reusing its key; the others get keys not in ``taken`` (every key
    the consultation ever used), so an old key never comes back for a new text."""
    new_texts = [_text(h, b) for h, b in blocks]
    old_texts = [_text(s.heading, s.body) for s in previous]
    pairs = sorted(
        (-round(score, 6), abs(i - j), i, j) for score, i, j in _scored_pairs(new_texts, old_texts)
    )
    chosen: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for neg_score, _distance, i, j in pairs:
        if i in chosen or j in used:
            continue
        chosen[i] = (j, -neg_score)
        used.add(j)
    taken = set(taken)
    matches: list[Match] = []
    for i, (heading, _body) in enumerate(blocks):
        if i in chosen:
            j, _score = chosen[i]
            # The exact score (float64), as the matching page and corrections show it.
            score = round(similarity(new_texts[i], old_texts[j]), 3)
            matches.append(Match(previous[j].key, previous[j].pk, score))
        else:
            matches.append(Match(_fresh_key(heading, taken), None, None))
    return matches


def keys_for_import(
    *, consultation: Consultation, number: int, blocks: list[tuple[str, str]]
) -> list[Match] | None:
    """Matches against version ``number - 1``, or None for a first version."""
    if number <= 1:
        return None
    previous = list(
        Section.objects.filter(
            version__consultation=consultation, version__number=number - 1
        ).order_by("ordinal")
    )
    taken = set(
        Section.objects.filter(version__consultation=consultation).values_list("key", flat=True)
    )
    return propose_matches(blocks=blocks, previous=previous, taken=taken)


# --- corrections --------------------------------------------------------------


def previous_version(version: DocumentVersion) -> DocumentVersion | None:
    return DocumentVersion.objects.filter(
        consultation_id=version.consultation_id, number=version.number - 1
    ).first()


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
            key = _fresh_key(sections[pk].heading, taken | reused | assigned)
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
