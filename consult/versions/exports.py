"""A version of the draft as PDF, DOCX and ODT, for people who read or comment offline.

All three are built from the same source: the version's Section rows (heading
and body Markdown), in order, each labelled with its paragraph number and key
so a comment sent by email or made at a workshop can name the paragraph.  The
PDF is WeasyPrint over one HTML template (the bodies' sanitised HTML); DOCX
(python-docx) and ODT (odfpy) walk the same Markdown's tokens.
"""

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from consult.models import DocumentVersion, Section
from plenary.text import markdown_tokens, xml_safe

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """One block of a section body: ``kind`` is para, bullet, number, quote, code,
    heading or table (``rows`` of cell texts)."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


def _runs(inline) -> list[Run]:
    runs: list[Run] = []
    bold = italic = False
    for child in inline.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in {"text", "code_inline"}:
            runs.append(Run(child.content, bold, italic))
        elif child.type == "softbreak":
            runs.append(Run(" "))
        elif child.type == "hardbreak":
            runs.append(Run("\n"))
    return runs


def body_blocks(body: str) -> list[Block]:
    """The blocks of a section's Markdown body, in order."""
    blocks: list[Block] = []
    lists: list[str] = []
    quote = 0
    row: list[str] | None = None
    table: Block | None = None
    for token in markdown_tokens(xml_safe(body)):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append("bullet")
        elif kind == "ordered_list_open":
            lists.append("number")
        elif kind in {"bullet_list_close", "ordered_list_close"}:
            lists.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "table_open":
            table = Block("table")
        elif kind == "table_close" and table is not None:
            blocks.append(table)
            table = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table is not None and row is not None:
            table.rows.append(row)
            row = None
        elif kind in {"code_block", "fence"}:
            blocks.append(Block("code", [Run(token.content.rstrip("\n"))]))
        elif kind == "inline":
            if row is not None:
                row.append(token.content)
            else:
                blocks.append(
                    Block(lists[-1] if lists else "quote" if quote else "para", _runs(token))
                )
    return blocks


def _sections(version: DocumentVersion) -> list[Section]:
    return list(Section.objects.filter(version=version).order_by("ordinal"))


def _title(version: DocumentVersion) -> str:
    return _("%(title)s — version %(n)d") % {
        "title": xml_safe(version.consultation.title),
        "n": version.number,
    }


def _label(section: Section) -> str:
    return _("Paragraph %(n)d · %(key)s") % {"n": section.ordinal, "key": section.key}


def _headings(sections: list[Section]):
    """Each section with the heading to print above it (only where the heading changes)."""
    current = ""
    for section in sections:
        show = xml_safe(section.heading) if section.heading and section.heading != current else ""
        current = section.heading
        yield section, show


# --- PDF ---------------------------------------------------------------------


def _no_fetch(url: str, *args, **kwargs):
    """Drafts are text: the PDF fetches nothing (no file://, no network)."""
    raise ValueError(f"export fetches no resources ({url[:40]})")


_CSS = Path(settings.BASE_DIR) / "static" / "css" / "version-export.css"


def version_pdf(*, version: DocumentVersion) -> bytes:
    # Loaded on demand: only a download in this format needs it.
    from weasyprint import CSS, HTML

    html = render_to_string(
        "consult/versions/export.html",
        {
            "version": version,
            "title": _title(version),
            "sections": [
                (section, heading, _label(section))
                for section, heading in _headings(_sections(version))
            ],
        },
    )
    # Tagged PDF/UA, as the outcome report (feedback/report/pdf.py): screen readers follow it.
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_no_fetch).write_pdf(
        stylesheets=[CSS(filename=str(_CSS), url_fetcher=_no_fetch)], pdf_variant="pdf/ua-1"
    )


# --- DOCX --------------------------------------------------------------------


def version_docx(*, version: DocumentVersion) -> bytes:
    # Loaded on demand: only a download in this format needs it.
    from docx import Document
    from docx.shared import Pt

    document = Document()
    title = _title(version)
    document.core_properties.title = title
    document.core_properties.language = version.consultation.language
    document.add_heading(xml_safe(version.consultation.title), level=0)
    document.add_paragraph(_("Version %(n)d") % {"n": version.number})
    styles = {"bullet": "List Bullet", "number": "List Number", "quote": "Quote"}
    for section, heading in _headings(_sections(version)):
        if heading:
            document.add_heading(heading, level=1)
        label = document.add_paragraph()
        label_run = label.add_run(_label(section))
        label_run.font.size = Pt(8)
        label_run.italic = True
        for block in body_blocks(section.body):
            if block.kind == "table":
                width = max(len(r) for r in block.rows)
                table = document.add_table(rows=0, cols=width)
                table.style = "Table Grid"
                for cells in block.rows:
                    row = table.add_row().cells
                    for i, text in enumerate(cells):
                        row[i].text = text
                continue
            paragraph = document.add_paragraph(style=styles.get(block.kind))
            for run in block.runs:
                added = paragraph.add_run(run.text)
                added.bold = run.bold or None
                added.italic = run.italic or None
                if block.kind == "code":
                    added.font.name = "Courier New"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- ODT ---------------------------------------------------------------------


def version_odt(*, version: DocumentVersion) -> bytes:
    # Loaded on demand: only a download in this format needs it.
    from odf.dc import Title
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, P, Span

    document = OpenDocumentText()
    label_style = Style(name="SectionKey", family="paragraph")
    label_style.addElement(TextProperties(fontsize="8pt", fontstyle="italic"))
    quote_style = Style(name="Quote", family="paragraph")
    quote_style.addElement(ParagraphProperties(marginleft="1cm"))
    code_style = Style(name="Code", family="paragraph")
    code_style.addElement(TextProperties(fontfamily="monospace"))
    bold = Style(name="Bold", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    italic = Style(name="Italic", family="text")
    italic.addElement(TextProperties(fontstyle="italic"))
    for style in (label_style, quote_style, code_style):
        document.styles.addElement(style)
    for style in (bold, italic):
        document.automaticstyles.addElement(style)

    def paragraph(block: Block, **attrs) -> P:
        p = P(**attrs)
        for run in block.runs:
            if run.bold or run.italic:
                p.addElement(Span(stylename=bold if run.bold else italic, text=run.text))
            else:
                p.addText(run.text)
        return p

    document.meta.addElement(Title(text=_title(version)))
    document.text.addElement(H(outlinelevel=1, text=xml_safe(version.consultation.title)))
    document.text.addElement(P(text=_("Version %(n)d") % {"n": version.number}))
    open_list: tuple[str, List] | None = None
    for section, heading in _headings(_sections(version)):
        open_list = None
        if heading:
            document.text.addElement(H(outlinelevel=2, text=heading))
        document.text.addElement(P(stylename=label_style, text=_label(section)))
        for n, block in enumerate(body_blocks(section.body)):
            if block.kind in {"bullet", "number"}:
                if open_list is None or open_list[0] != block.kind:
                    open_list = (block.kind, List())
                    document.text.addElement(open_list[1])
                item = ListItem()
                item.addElement(paragraph(block))
                open_list[1].addElement(item)
                continue
            open_list = None
            if block.kind == "table":
                width = max(len(r) for r in block.rows)
                table = Table(name=f"{section.key}-{n}")
                table.addElement(TableColumn(numbercolumnsrepeated=width))
                for cells in block.rows:
                    tr = TableRow()
                    for text in cells:
                        td = TableCell()
                        td.addElement(P(text=text))
                        tr.addElement(td)
                    table.addElement(tr)
                document.text.addElement(table)
            elif block.kind == "quote":
                document.text.addElement(paragraph(block, stylename=quote_style))
            elif block.kind == "code":
                document.text.addElement(paragraph(block, stylename=code_style))
            else:
                document.text.addElement(paragraph(block))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


BUILDERS = {"pdf": version_pdf, "docx": version_docx, "odt": version_odt}


# A published version's sections no longer change (consult.versions.drafts.version_match_set
# refuses, nothing else writes them), so its files are built once a day at most:
# a 500-section PDF takes seconds of WeasyPrint, too much to redo per download.
CACHE_SECONDS = 24 * 3600


def version_file(*, version: DocumentVersion, file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of ``version`` as ``file_format``.

    Published versions come from the cache when they can (a miss, or a cache that
    is down, builds the file again); unpublished ones are built every time."""
    key = None
    if version.published_at is not None:
        stamp = int(version.published_at.timestamp())
        # The consultation's title is printed and may be edited: part of the key.
        title = hashlib.sha256(version.consultation.title.encode()).hexdigest()[:12]
        language = translation.get_language()
        key = f"plenary:version-file:{version.pk}:{stamp}:{title}:{language}:{file_format}"
        content = cache.get(key)
        if content is not None:
            return content, CONTENT_TYPES[file_format], _file_name(version, file_format)
    content = BUILDERS[file_format](version=version)
    if key is not None:
        cache.set(key, content, CACHE_SECONDS)
    return content, CONTENT_TYPES[file_format], _file_name(version, file_format)


def _file_name(version: DocumentVersion, file_format: str) -> str:
    return f"{version.consultation.slug}-v{version.number}.{file_format}"
