"""Versioned drafts: file import (DOCX, ODT, Markdown), section matching, match corrections.

One import path: every upload is converted to Markdown here and handed to
``consult.versions.services.draft_import`` with its ``source_format``; that service
splits it into sections and asks ``propose_matches`` for their keys, so a
section that continues a section of the previous version keeps its key
(``Section.previous`` and ``match_score`` say which one, and how sure the
match is).  The secretariat corrects the matches with ``version_match_set``
until the version is published (``published_at``).

Plenary's own DOCX and ODT downloads (``consult.versions.exports``) come back
edited in a word processor: their title, version line and "Paragraph N · key"
labels are not content.  When a document carries such labels, the importer
drops the title and version line before the first label, drops every label,
and hands each label's key, one per section, to the matching
(``keys_for_import(hints=...)``), so a paragraph that came from the download
keeps its key exactly, however much its words changed.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from consult.models import Consultation, DocumentVersion, Section

DRAFT_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# A DOCX/ODT is a zip: refuse one that would inflate past this (a zip bomb).
DRAFT_UNZIPPED_MAX_BYTES = 50 * 1024 * 1024
# Combined similarity (0..1) above which a new section continues an old one.
MATCH_THRESHOLD = 0.45
HEADING_WEIGHT = 0.2

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt"}
_WORD = re.compile(r"\w+", re.UNICODE)
# The download's "Paragraph N · key" in any language ("Paragraphe 3 · scope-1"): one word,
# the number, the middle dot, a section key (consult.versions.exports._label).
LABEL = re.compile(r"^\w+ \d+ · ([a-z0-9][a-z0-9_-]{0,63})$")
# The download's "Version N" line ("Versão 2"), under the title.
VERSION_LINE = re.compile(r"^\w+ \d+$")


@dataclass
class Converted:
    """An uploaded draft as Markdown, and the keys its labels name (one per top-level
    block, None for a block without a label), or None for a file without labels."""

    source: str
    format: str
    keys: list[str | None] | None = None


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
    """Markdown from (kind, text) blocks: consecutive list items stay one list, unless a
    ``break`` (a download's label) stands between them: then the next list takes the other
    marker, which Markdown reads as a new list (a section of its own)."""
    out: list[str] = []
    previous_kind = ""
    flip = False
    for kind, text in blocks:
        if kind == "break":
            if previous_kind in {"bullet", "number"}:
                flip = not flip
            previous_kind = kind
            continue
        if out and not (kind == previous_kind and kind in {"bullet", "number"}):
            out.append("")
        if kind == "bullet":
            out.append(f"{'*' if flip else '-'} {text}")
        elif kind == "number":
            out.append(f"1{')' if flip else '.'} {text}")
        else:
            out.append(text)
        previous_kind = kind
    return "\n".join(out).strip() + "\n"


def _without_download_labels(
    blocks: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], list[str | None] | None]:
    """Drop what a Plenary download adds to a draft; return the blocks and the label keys.

    ``blocks`` may hold ("title", heading) and ("label", key) from the walkers.  Without
    any label it is an ordinary document: titles are headings, nothing is dropped.  With
    labels, the title and the version line before the first label go, each label becomes
    a ``break`` and its key is the key of the next block (a list counts once)."""
    if not any(kind == "label" for kind, _text in blocks):
        return [("heading", t) if k == "title" else (k, t) for k, t in blocks], None
    first = next(n for n, (kind, _text) in enumerate(blocks) if kind == "label")
    kept: list[tuple[str, str]] = []
    keys: list[str | None] = []
    pending: str | None = None
    previous_kind = ""
    for n, (kind, text) in enumerate(blocks):
        if n < first and (kind == "title" or (kind == "para" and VERSION_LINE.match(text))):
            continue
        if kind == "label":
            pending = text  # a label followed by another label labels nothing: the last wins
            kept.append(("break", ""))
            previous_kind = kind
            continue
        if kind == "title":
            kind = "heading"
        if kind in {"bullet", "number"} and kind == previous_kind:
            pass  # the same list: one block, one key
        elif kind != "heading":
            keys.append(pending)
            pending = None
        kept.append((kind, text))
        previous_kind = kind
    return kept, keys


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


def docx_to_markdown(content: bytes) -> Converted:
    archive = _zip_or_refuse(content, claimed="DOCX")
    if "word/document.xml" not in archive.namelist():
        raise _refuse(_("This file is not a real DOCX document: it has no Word document inside."))
    # Loaded on demand: only an upload of this kind (or a large match) needs it.
    from docx import Document

    try:
        document = Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises a variety of parser errors
        raise _refuse(_("This DOCX document is damaged and cannot be read.")) from exc
    try:
        blocks, keys = _without_download_labels(_docx_blocks(document))
        return Converted(_join_blocks(blocks), DocumentVersion.Format.DOCX, keys)
    except ValidationError:
        raise
    except Exception as exc:  # a document python-docx opens but cannot walk
        raise _refuse(_("This DOCX document is damaged and cannot be read.")) from exc


def _docx_blocks(document) -> list[tuple[str, str]]:
    # Loaded on demand: only an upload of this kind (or a large match) needs it.
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
        label = LABEL.match(item.text.strip())
        if label:
            blocks.append(("label", label.group(1)))
            continue
        style = (item.style.name if item.style is not None else "") or ""
        level = re.match(r"^Heading (\d)$", style)
        if style == "Title":
            blocks.append(("title", "# " + item.text.strip()))
        elif level:
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


def odt_to_markdown(content: bytes) -> Converted:
    archive = _zip_or_refuse(content, claimed="ODT")
    try:
        mimetype = archive.read("mimetype").strip()
    except KeyError:
        mimetype = b""
    if mimetype != ODT_MIMETYPE or "content.xml" not in archive.namelist():
        raise _refuse(_("This file is not a real ODT document: it is not an OpenDocument text."))
    # Loaded on demand: only an upload of this kind (or a large match) needs it.
    from odf import teletype
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(content))
    except Exception as exc:  # odfpy raises parser errors of several kinds
        raise _refuse(_("This ODT document is damaged and cannot be read.")) from exc

    blocks: list[tuple[str, str]] = []
    emphasis = _odt_emphasis(document)

    def text_of(element) -> str:
        return teletype.extractText(element).strip()

    def runs_of(paragraph) -> str:
        """The paragraph as Markdown: spans whose style is bold or italic marked as such."""
        parts = []
        for node in paragraph.childNodes:
            if node.nodeType == node.TEXT_NODE:
                parts.append(_escape_emphasis(str(node.data)))
                continue
            text = _escape_emphasis(teletype.extractText(node))
            bold, italic = emphasis.get(node.getAttribute("stylename") or "", (False, False))
            if getattr(node, "qname", (None, None))[1] == "span" and (bold or italic) and text:
                lead, core, tail = re.match(r"^(\s*)(.*?)(\s*)$", text, re.S).groups()
                marker = "**" if bold else "*"
                text = f"{lead}{marker}{core}{marker}{tail}" if core else text
            parts.append(text)
        return "".join(parts).strip()

    def walk(element, list_kind: str = "") -> None:
        for child in element.childNodes:
            name = getattr(child, "qname", (None, None))[1]
            if name == "h":
                level = int(child.getAttribute("outlinelevel") or 1)
                heading = text_of(child)
                if heading:
                    # The download's title is the one heading of level 1 (exports.version_odt).
                    kind = "title" if level == 1 else "heading"
                    blocks.append((kind, "#" * min(level + 1, 6) + " " + heading))
            elif name == "p":
                text = text_of(child)
                label = LABEL.match(text)
                if label and not list_kind:
                    blocks.append(("label", label.group(1)))
                elif text:
                    blocks.append((list_kind or "para", _escape_line(runs_of(child))))
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
    kept, keys = _without_download_labels(blocks)
    return Converted(_join_blocks(kept), DocumentVersion.Format.ODT, keys)


def _escape_emphasis(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_")


def _odt_emphasis(document) -> dict[str, tuple[bool, bool]]:
    """Text style name -> (bold, italic), from the document's automatic and named styles
    (LibreOffice renames them on saving: T1, T2...; their properties say what they do)."""
    # Loaded on demand: only an upload of this kind needs it.
    from odf.style import Style, TextProperties

    found: dict[str, tuple[bool, bool]] = {}
    for styles in (document.automaticstyles, document.styles):
        for style in styles.getElementsByType(Style):
            for properties in style.getElementsByType(TextProperties):
                bold = properties.getAttribute("fontweight") == "bold"
                italic = properties.getAttribute("fontstyle") == "italic"
                if bold or italic:
                    found[style.getAttribute("name")] = (bold, italic)
    return found


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


def upload_to_markdown(*, name: str, content: bytes) -> Converted:
    """The Markdown of an uploaded draft, its ``DocumentVersion.Format`` and label keys.

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
        return docx_to_markdown(content)
    if suffix == ".odt":
        return odt_to_markdown(content)
    if suffix in _MARKDOWN_SUFFIXES:
        return Converted(markdown_from_text_file(content), DocumentVersion.Format.MARKDOWN)
    raise _refuse(_("Upload a .docx, .odt, .md or .txt file."))


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


def fresh_key(heading: str, taken: set[str]) -> str:
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
    # Loaded on demand: only an upload of this kind (or a large match) needs it.
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
    # Loaded on demand: only an upload of this kind (or a large match) needs it.
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
    # Loaded on demand: only an upload of this kind (or a large match) needs it.
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
    *,
    blocks: list[tuple[str, str]],
    previous: list[Section],
    taken: set[str],
    hints: list[str | None] | None = None,
) -> list[Match]:
    """Keys for the new ``blocks`` (heading, body): each continues at most one section of
    ``previous`` (greedy best pair first, above ``MATCH_THRESHOLD``; ties go to the
    closer position), reusing its key; the others get keys not in ``taken`` (every key
    the consultation ever used), so an old key never comes back for a new text.

    ``hints`` (one per block, from a download's labels: ``Converted.keys``) come first:
    a block labelled with a key of ``previous`` continues that section, whatever its
    words; the first block to claim a key has it.  Unlabelled blocks are matched by
    text against the sections no label claimed."""
    new_texts = [_text(h, b) for h, b in blocks]
    old_texts = [_text(s.heading, s.body) for s in previous]
    chosen: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    if hints is not None and len(hints) == len(blocks):
        position = {section.key: j for j, section in enumerate(previous)}
        for i, key in enumerate(hints):
            j = position.get(key) if key else None
            if j is not None and j not in used:
                chosen[i] = (j, 1.0)
                used.add(j)
    pairs = sorted(
        (-round(score, 6), abs(i - j), i, j) for score, i, j in _scored_pairs(new_texts, old_texts)
    )
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
            matches.append(Match(fresh_key(heading, taken), None, None))
    return matches


def keys_for_import(
    *,
    consultation: Consultation,
    number: int,
    blocks: list[tuple[str, str]],
    hints: list[str | None] | None = None,
) -> list[Match] | None:
    """Matches against version ``number - 1`` (``hints``: see ``propose_matches``), or
    None for a first version."""
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
    return propose_matches(blocks=blocks, previous=previous, taken=taken, hints=hints)


# --- corrections --------------------------------------------------------------


def previous_version(version: DocumentVersion) -> DocumentVersion | None:
    return DocumentVersion.objects.filter(
        consultation_id=version.consultation_id, number=version.number - 1
    ).first()
