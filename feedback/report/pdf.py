"""The outcome report as one tagged PDF (PDF/UA-1), rendered in pieces.

Map (docs/QUALITY.md, design notes, "The outcome report", says why):

* The PDF is rendered in pieces: the front matter (cover, table of contents,
  process, participation, themes, versions) and then the appendix in chunks
  of ``CHUNK_SIZE`` comments, each its own WeasyPrint document written to a
  temporary file.  This process reads the database (``feedback/report/selectors.py``)
  and renders the HTML; a renderer process (``feedback/report/chunk.py``, started
  with subprocess and replaced every ``PIECES_PER_PROCESS`` pieces, ``_Renderer``)
  lays it out, so memory does not grow with the comment count and the worker never
  holds WeasyPrint's.  ``_join`` reads the pieces with pypdf and writes the
  joined file object by object, one piece at a time: continuous page numbers
  (each chunk's page counter starts where the previous one ended), one
  outline rebuilt from every piece's headings, and one structure tree
  (tagged PDF, PDF/UA-1) merged from the pieces' trees.
* The table of contents needs the appendix's page numbers, which exist only
  once the appendix is rendered, and the appendix's numbers depend on the
  length of the front matter: so the front matter is rendered twice (first
  with wide placeholders to learn its length, then with the real numbers).
"""

import gc
import io
import json
import logging
import math
import shutil
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from selectors import EVENT_READ, DefaultSelector

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from consult.models import Consultation
from feedback.ledger import selectors as ledger
from feedback.report import selectors
from feedback.report.selectors import AppendixGroup, Outcome, Parts

# WeasyPrint logs every page it lays out at INFO: thousands of lines per report.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Comments per WeasyPrint document.  WeasyPrint's layout time per comment
# grows with the document's length, so chunks of a few hundred are faster
# than one long document as well as flat in memory (bench/report.py).
CHUNK_SIZE = 500
# Pieces laid out by one renderer process before it is replaced (see _Renderer).
PIECES_PER_PROCESS = 10
# Seconds the renderer may take over one piece (500 comments take a few
# seconds) before it is killed and the run fails, rather than hang the worker.
PIECE_TIMEOUT_SECONDS = 600
# The page number printed in the table of contents before the real ones are known:
# as wide as any real one, so the second rendering has the same number of pages.
_PLACEHOLDER_PAGE = 99999

_CSS = Path(settings.BASE_DIR) / "static" / "css" / "report.css"


@dataclass
class Rendered:
    """A piece of the report written to ``path``, with what the join needs from it."""

    path: Path
    pages: int
    page_heights: list[float]
    # (level, label, page index in the piece, y from the top in CSS px)
    bookmarks: list[tuple[int, str, int, float]]
    anchors: dict[str, int]


class RenderError(RuntimeError):
    """The renderer process failed; the message says how (and its last words)."""


class _Renderer:
    """Lays out the report's pieces in a renderer process (``feedback/report/chunk.py``).

    The process is started with ``subprocess`` in the project's folder with
    this process's environment, and replaced after ``PIECES_PER_PROCESS``
    pieces: what WeasyPrint, fontconfig and the allocator keep from one
    document to the next goes back to the system with it, so memory does not
    grow with the number of pieces, and this process (a Celery worker) never
    loads WeasyPrint.  One piece is in flight at a time: ``submit`` returns at
    once, so the caller prepares the next piece's HTML (database rows and
    template) while the process lays out this one; ``result`` waits for it.
    Any failure of the process raises ``RenderError``.
    """

    command = [sys.executable, "-m", "feedback.report.chunk"]

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.errors = None
        self.served = 0
        self.pending: tuple[Path, Path] | None = None
        self.started = 0  # processes started so far
        self.peak_kib = 0  # the largest peak resident memory a process reported

    def submit(self, html: str, *, path: Path, title: str, first_page: int) -> None:
        if self.pending is not None:
            raise RuntimeError("one piece at a time: call result() first")
        source = path.with_suffix(".html")
        source.write_text(html, encoding="utf-8")
        job = {
            "html": str(source),
            "pdf": str(path),
            "title": title,
            "first_page": first_page,
            "css": str(_CSS),
            "base_url": str(settings.BASE_DIR),
        }
        process = self._process()
        try:
            process.stdin.write(json.dumps(job) + "\n")
            process.stdin.flush()
        except OSError as exc:  # it died before reading: say why
            self._fail(f"could not send a piece ({exc})")
        self.pending = (source, path)

    def result(self) -> Rendered:
        source, path = self.pending
        self.pending = None
        # One line answers one piece and nothing is read ahead, so the pipe's
        # descriptor is readable exactly when the answer (or the end) is there.
        # selectors, not select.select: a long-lived worker may hold descriptors past
        # 1024, which select() refuses ("filedescriptor out of range").
        with DefaultSelector() as waiting:
            waiting.register(self.process.stdout, EVENT_READ)
            ready = waiting.select(PIECE_TIMEOUT_SECONDS)
        if not ready:
            self._fail(f"no answer within {PIECE_TIMEOUT_SECONDS} s")
        line = self.process.stdout.readline()
        try:
            reply = json.loads(line) if line.strip() else {}
        except ValueError:
            reply = {"error": f"an unreadable answer: {line[:200]!r}"}
        if "pages" not in reply:
            self._fail(reply.get("error", "it stopped without an answer"))
        source.unlink()
        self.peak_kib = max(self.peak_kib, reply["peak_kib"])
        self.served += 1
        if self.served >= PIECES_PER_PROCESS:
            self.close()
        return Rendered(
            path=path,
            pages=reply["pages"],
            page_heights=reply["page_heights"],
            bookmarks=[tuple(bookmark) for bookmark in reply["bookmarks"]],
            anchors=reply["anchors"],
        )

    def render(self, html: str, *, path: Path, title: str, first_page: int) -> Rendered:
        self.submit(html, path=path, title=title, first_page=first_page)
        return self.result()

    def _process(self) -> subprocess.Popen:
        if self.process is None:
            self.errors = tempfile.TemporaryFile(dir=self.folder)
            # No shell, a fixed command (the class's own ``command``; tests swap it):
            # the job travels over the pipe, not the arguments.
            self.process = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=settings.BASE_DIR,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.errors,
                text=True,
                encoding="utf-8",
            )
            self.served = 0
            self.started += 1
        return self.process

    def close(self) -> None:
        """End the process (its input ends, it exits); raise if it did not exit cleanly."""
        process, self.process = self.process, None
        if process is None:
            return
        process.stdin.close()
        code = process.wait()
        process.stdout.close()
        errors, self.errors = self.errors, None
        if code:
            errors.seek(0)
            text = errors.read().decode("utf-8", "replace")
            errors.close()
            raise RenderError(_last_words(f"exit status {code}", text))
        errors.close()

    def _fail(self, reason: str) -> None:
        code = self._kill(grace=2)
        if code is not None:  # it had ended by itself (a crash, the OOM killer: -9)
            reason = f"{reason}, exit status {code}"
        errors, self.errors = self.errors, None
        errors.seek(0)
        text = errors.read().decode("utf-8", "replace")
        errors.close()
        raise RenderError(_last_words(reason, text))

    def _kill(self, *, grace: float = 0) -> int | None:
        """Kill the process (after ``grace`` seconds); its exit status if it ended by itself."""
        process, self.process = self.process, None
        try:
            code = process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            code = None
        process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            try:
                pipe.close()
            except OSError:  # a broken pipe to a dead process: nothing left to flush
                pass
        return code

    def __enter__(self) -> "_Renderer":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        elif self.process is not None:  # already failing: do not hide the first error
            self._kill()
            self.errors.close()
            self.errors = None


def _last_words(reason: str, stderr: str) -> str:
    tail = stderr.strip().splitlines()[-5:]
    detail = " | ".join(tail)
    return _("The report's renderer failed: %(reason)s.") % {"reason": reason} + (
        f" {detail}" if detail else ""
    )


def build_pdf(
    *,
    consultation: Consultation,
    target: Path,
    folder: Path,
    progress: Callable[[int, int], None] = lambda done, total: None,
    chunk_size: int | None = None,
) -> Outcome:
    """Render the consultation's outcome report as one tagged PDF at ``target``.

    ``progress(done, total)`` counts pieces: the front matter, each appendix chunk,
    the join.  Should the table of contents change length, the appendix is laid
    out again and its chunks are added to the total.
    """
    chunk_size = chunk_size or CHUNK_SIZE
    with (
        translation.override(selectors.report_language(consultation)),
        _Renderer(folder) as renderer,
    ):
        title = _("Outcome report: %(title)s") % {"title": consultation.title}
        context = selectors.front_context(consultation=consultation)
        sections = ledger.ledger_sections(consultation=consultation)
        labels = {section.key: section for section in sections}
        total = context["comment_count"]
        # The appendix's groups, for the table of contents (one aggregate query).
        toc_groups = selectors.toc_groups(
            consultation=consultation, sections=sections, labels=labels
        )
        context.update(title=title, language=selectors.report_language(consultation))

        def front(numbers: dict[str, int]) -> Rendered:
            groups = [{**group, "page": numbers.get(group["anchor"])} for group in toc_groups]
            html = render_to_string("feedback/report/front.html", {**context, "toc_groups": groups})
            return renderer.render(html, path=folder / "front.pdf", title=title, first_page=1)

        chunks = max(math.ceil(total / chunk_size), 1)  # an empty appendix is one chunk
        parts = Parts(total=1 + chunks + 1, report=progress)
        placeholders = {group["anchor"]: _PLACEHOLDER_PAGE for group in toc_groups}
        first = front(placeholders)
        parts.advance()

        for attempt in range(3):
            if attempt:
                parts.grow(chunks)
            pieces, numbers = _render_appendix(
                consultation=consultation,
                sections=sections,
                labels=labels,
                folder=folder,
                title=title,
                first_page=first.pages + 1,
                renderer=renderer,
                chunk_size=chunk_size,
                parts=parts,
            )
            final = front(numbers)
            if final.pages == first.pages:
                break
            first = final  # the table of contents changed length: number the appendix again
        renderer.close()  # before the join: its memory is given back first
        pages = _join([final, *pieces], target=target, title=title, language=context["language"])
        parts.advance()
    return Outcome(comment_count=total, page_count=pages, renderer_peak_kib=renderer.peak_kib)


def _render_appendix(
    *,
    consultation: Consultation,
    sections: list,
    labels: dict,
    folder: Path,
    title: str,
    first_page: int,
    renderer: _Renderer,
    chunk_size: int,
    parts: Parts,
) -> tuple[list[Rendered], dict[str, int]]:
    """Render the appendix chunk by chunk, streaming rows from the database.

    Returns the pieces (on disk) and the page number where each group starts.
    A chunk's HTML is made (its rows fetched, the template rendered) while the
    renderer process lays out the chunk before it; its first page number is
    known once that one is done, and only then is it sent.
    """
    rows = selectors.with_points(
        selectors.with_attachments(
            selectors.appendix_rows(consultation=consultation, sections=sections).iterator(
                chunk_size=selectors.FETCH_SIZE
            ),
            consultation=consultation,
        ),
        batch=chunk_size,  # one query for the points of a chunk
    )
    pieces: list[Rendered] = []
    numbers: dict[str, int] = {}
    page = first_page
    # What is needed of the chunk being laid out: its groups' anchors.
    in_flight: list[str] | None = None

    def finish(anchors: list[str]) -> None:
        nonlocal page
        piece = renderer.result()
        for anchor in anchors:
            if anchor in piece.anchors:
                numbers[anchor] = page + piece.anchors[anchor]
        piece.anchors = {}  # the groups' first pages were all that was needed
        pieces.append(piece)
        page += piece.pages
        parts.advance()

    for index, groups in enumerate(
        _chunks(selectors.appendix_groups(rows, labels=labels), chunk_size)
    ):
        html = render_to_string(
            "feedback/report/appendix.html",
            {"title": title, "language": selectors.report_language(consultation), "groups": groups},
        )
        if in_flight is not None:
            finish(in_flight)
        renderer.submit(
            html, path=folder / f"appendix-{index:05d}.pdf", title=title, first_page=page
        )
        in_flight = [group.anchor for group in groups if not group.continued]
    if in_flight is not None:
        finish(in_flight)
    return pieces, numbers


def _chunks(
    pairs: Iterator[tuple[AppendixGroup, dict]], size: int
) -> Iterator[list[AppendixGroup]]:
    """Lists of groups holding at most ``size`` comments in all.

    A group cut by a chunk boundary goes on in the next chunk as a copy marked
    ``continued`` (a heading without bookmark or table-of-contents entry).
    Only the current chunk's rows are ever held.
    """
    chunk: list[AppendixGroup] = []
    count = 0
    last: AppendixGroup | None = None
    for group, row in pairs:
        if count == size:
            yield chunk
            chunk, count = [], 0
        if group is not last:
            chunk.append(AppendixGroup(group.anchor, group.title, False, []))
            last = group
        elif not chunk:
            chunk.append(AppendixGroup(group.anchor, group.title, True, []))
        chunk[-1].rows.append(row)
        count += 1
    if chunk or count == 0:
        yield chunk


# --- joining the pieces -------------------------------------------------------------------


def _named_destinations(root) -> Iterator[tuple[str, object]]:
    """The (name, destination) pairs of a PDF's /Dests name tree."""
    names = root.get("/Names")
    if names is None or "/Dests" not in names.get_object():
        return
    nodes = [names.get_object()["/Dests"].get_object()]
    while nodes:
        node = nodes.pop()
        flat = node.get("/Names", [])
        for position in range(0, len(flat), 2):
            yield flat[position], flat[position + 1]
        nodes.extend(kid.get_object() for kid in node.get("/Kids", []))


class _StreamingPdf:
    """Writes a PDF object by object, so the joined file is never held in memory.

    Objects copied from a piece get new numbers as they are first referenced;
    a few object numbers are reserved up front for what only the end knows
    (catalog, page tree, structure tree root and its parent tree).  The
    offsets are 8 bytes per object in an array (a dict of Python ints took
    about 100 bytes per object: a report has tens of objects per comment),
    and the cross-reference table is written in slices.
    """

    def __init__(self, stream) -> None:
        self.stream = stream
        self.offsets = array("q", [0])  # by object number; 0 is the free-list head
        stream.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def next_id(self) -> int:
        return len(self.offsets)

    def reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def write_object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.stream.tell()
        self.stream.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def write_object_from(self, number: int, head: bytes, spool, tail: bytes) -> None:
        """An object whose middle was written to the file ``spool`` as it was learnt."""
        self.offsets[number] = self.stream.tell()
        self.stream.write(b"%d 0 obj\n" % number + head)
        spool.seek(0)
        shutil.copyfileobj(spool, self.stream)
        self.stream.write(tail + b"\nendobj\n")

    def finish(self, *, root: int, info: int) -> None:
        size = self.next_id
        xref = self.stream.tell()
        self.stream.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for start in range(1, size, 10_000):
            stop = min(start + 10_000, size)
            self.stream.write(
                b"".join(b"%010d 00000 n \n" % self.offsets[n] for n in range(start, stop))
            )
        self.stream.write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, root, info, xref)
        )


def _pdf_bytes(value) -> bytes:
    """A direct pypdf object (no references inside) serialised as PDF syntax."""
    buffer = io.BytesIO()
    value.write_to_stream(buffer)
    return buffer.getvalue()


class _PieceCopier:
    """Copies one piece's objects into a ``_StreamingPdf``, renumbering references.

    ``fixed`` maps object numbers of the piece to numbers already chosen in
    the output (its page tree, structure tree root and Document element map
    to the joined file's), so they are not copied.
    """

    def __init__(self, out: _StreamingPdf, reader, fixed: dict[int, int]) -> None:
        self.out = out
        self.reader = reader
        self.numbers: dict[int, int] = dict(fixed)
        self.pending: list = []

    def ref(self, reference) -> int:
        number = self.numbers.get(reference.idnum)
        if number is None:
            number = self.numbers[reference.idnum] = self.out.reserve()
            self.pending.append(reference)
        return number

    def serialise(self, value) -> bytes:
        # Loaded on demand: only a worker building a report joins PDFs.
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

        if isinstance(value, IndirectObject):
            return b"%d 0 R" % self.ref(value)
        if isinstance(value, StreamObject):
            data = value._data  # as stored: still compressed, /Filter kept
            entries = [(key, item) for key, item in dict.items(value) if key != "/Length"]
            head = self._dictionary(entries, extra=b"/Length %d" % len(data))
            return head + b"\nstream\n" + data + b"\nendstream"
        if isinstance(value, DictionaryObject):
            return self._dictionary(list(dict.items(value)))
        if isinstance(value, ArrayObject):
            return b"[" + b" ".join(self.serialise(item) for item in list.__iter__(value)) + b"]"
        return _pdf_bytes(value)

    def _dictionary(self, entries, *, extra: bytes = b"") -> bytes:
        # Loaded on demand: only a worker building a report joins PDFs.
        from pypdf.generic import NameObject

        parts = [b"<<"]
        for key, value in entries:
            parts += [_pdf_bytes(NameObject(key)), self.serialise(value)]
        parts += [extra, b">>"]
        return b" ".join(parts)

    def drain(self) -> None:
        """Write every object referenced so far, and what they reference, once each."""
        while self.pending:
            reference = self.pending.pop()
            number = self.numbers[reference.idnum]
            self.out.write_object(number, self.serialise(reference.get_object()))


def _join(pieces: list[Rendered], *, target: Path, title: str, language: str) -> int:
    """One PDF from the pieces, written object by object: memory does not grow with it.

    Each piece is a complete tagged PDF (PDF/UA-1).  Its pages, annotations
    and structure elements are copied with new object numbers straight to
    the output file; its structure elements go under one ``Document`` element
    with their parent-tree keys shifted past the previous pieces' (and the
    pages' ``StructParents`` and annotations' ``StructParent`` with them).
    What only the end knows is small and written last: the page tree (one
    reference per page), the parent tree (references per page), the named
    destinations, the outline rebuilt from the headings' bookmark levels (so
    the appendix's sections nest under "Appendix" though they come from other
    pieces), the XMP metadata of the first piece, the catalog.
    """
    # Loaded on demand: only a worker building a report joins PDFs.
    from pypdf import PdfReader
    from pypdf.generic import NameObject, NumberObject, TextStringObject

    # The parent tree (references per page, the longest of what only the end knows)
    # is written to a spool file as each piece is read, and copied at the end.
    with target.open("wb") as stream, tempfile.TemporaryFile(dir=target.parent) as nums:
        out = _StreamingPdf(stream)
        catalog_id, pages_id, tree_id, document_id = (out.reserve() for _ in range(4))
        page_ids = array("q")
        kids = array("q")
        destinations: dict[str, bytes] = {}
        outline: list[tuple[int, str, int, float, float]] = []
        metadata_id = None
        key_offset = 0
        for piece in pieces:
            reader = PdfReader(str(piece.path))
            root = reader.trailer["/Root"]
            struct = root.get("/StructTreeRoot")
            fixed = {root.raw_get("/Pages").idnum: pages_id}
            struct_document = None
            if struct is not None:
                fixed[root.raw_get("/StructTreeRoot").idnum] = tree_id
                for kid in list.__iter__(struct["/K"]):
                    fixed[kid.idnum] = document_id
                    struct_document = kid.get_object()
            copier = _PieceCopier(out, reader, fixed)
            shift = key_offset
            first_page = len(page_ids)
            for page in reader.pages:
                # Changed in place: the reader keeps the objects it resolved, so the
                # copy below writes them as changed here.
                copy = page.indirect_reference.get_object()
                if "/StructParents" in copy:
                    copy[NameObject("/StructParents")] = NumberObject(
                        int(copy["/StructParents"]) + shift
                    )
                annotations = copy.get("/Annots")
                for annotation in annotations.get_object() if annotations is not None else []:
                    annotation = annotation.get_object()
                    if "/StructParent" in annotation:
                        annotation[NameObject("/StructParent")] = NumberObject(
                            int(annotation["/StructParent"]) + shift
                        )
                page_ids.append(copier.ref(page.indirect_reference))
            if struct_document is not None:
                kids.extend(copier.ref(kid) for kid in list.__iter__(struct_document.get("/K", [])))
                flat = struct["/ParentTree"].get_object().get("/Nums", [])
                highest = -1
                for position in range(0, len(flat), 2):
                    key = int(flat[position])
                    highest = max(highest, key)
                    value = list.__getitem__(flat, position + 1)
                    nums.write(b"%d %s\n" % (key + key_offset, copier.serialise(value)))
                key_offset += highest + 1
            for name, destination in _named_destinations(root):
                destinations[str(name)] = copier.serialise(destination)
            if metadata_id is None and "/Metadata" in root:
                metadata_id = copier.ref(root.raw_get("/Metadata"))
            copier.drain()
            for level, label, index, y in piece.bookmarks:
                outline.append((level, label, first_page + index, y, piece.page_heights[index]))
            # pypdf's objects point back at their reader: free each piece's cycle now,
            # or thousands of pages' worth wait for the next full collection.
            del copier, reader
            gc.collect()

        out.write_object(
            pages_id,
            b"<< /Type /Pages /Count %d /Kids [%s] >>"
            % (len(page_ids), b" ".join(b"%d 0 R" % n for n in page_ids)),
        )
        out.write_object(
            document_id,
            b"<< /Type /StructElem /S /Document /P %d 0 R /K [%s] >>"
            % (tree_id, b" ".join(b"%d 0 R" % n for n in kids)),
        )
        parent_tree_id = out.reserve()
        out.write_object_from(parent_tree_id, b"<< /Nums [\n", nums, b"] >>")
        out.write_object(
            tree_id,
            b"<< /Type /StructTreeRoot /K [%d 0 R] /ParentTree %d 0 R /ParentTreeNextKey %d >>"
            % (document_id, parent_tree_id, key_offset),
        )
        outlines_id = _write_outline(out, outline, page_ids) if outline else None
        info_id = out.reserve()
        out.write_object(
            info_id,
            b"<< /Title %s /Creator %s /Producer %s >>"
            % (
                _pdf_bytes(TextStringObject(title)),
                _pdf_bytes(TextStringObject("Plenary")),
                _pdf_bytes(TextStringObject("WeasyPrint, Plenary")),
            ),
        )
        names = b" ".join(
            _pdf_bytes(TextStringObject(name)) + b" " + destinations[name]
            for name in sorted(destinations)  # a name tree is sorted
        )
        catalog = [
            b"/Type /Catalog /Pages %d 0 R" % pages_id,
            b"/StructTreeRoot %d 0 R /MarkInfo << /Marked true >>" % tree_id,
            b"/Lang " + _pdf_bytes(TextStringObject(language)),
            b"/ViewerPreferences << /DisplayDocTitle true >>",
            b"/Names << /Dests << /Names [" + names + b"] >> >>",
        ]
        if metadata_id is not None:
            catalog.append(b"/Metadata %d 0 R" % metadata_id)
        if outlines_id is not None:
            catalog.append(b"/Outlines %d 0 R /PageMode /UseOutlines" % outlines_id)
        out.write_object(catalog_id, b"<< " + b" ".join(catalog) + b" >>")
        out.finish(root=catalog_id, info=info_id)
    return len(page_ids)


def _write_outline(out: _StreamingPdf, flat: list, page_ids: list[int]) -> int:
    """Write the outline (bookmarks) from (level, label, page, y, page height) in order."""
    # Loaded on demand: only a worker building a report joins PDFs.
    from pypdf.generic import TextStringObject

    @dataclass
    class Item:
        number: int
        label: str
        page: int
        top: float
        parent: "Item | None"
        children: list = field(default_factory=list)

    root = Item(out.reserve(), "", 0, 0, None)
    stack: list[tuple[int, Item]] = []
    for level, label, page, y, height in flat:
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else root
        # WeasyPrint measures from the top in CSS px; PDF from the bottom in points.
        item = Item(out.reserve(), label, page, (height - y) * 0.75, parent)
        parent.children.append(item)
        stack.append((level, item))

    def count(item: Item) -> int:
        return sum(1 + count(child) for child in item.children)

    def write(item: Item) -> None:
        for index, child in enumerate(item.children):
            entries = [
                b"/Title " + _pdf_bytes(TextStringObject(child.label)),
                b"/Parent %d 0 R" % item.number,
                b"/Dest [%d 0 R /XYZ 0 %.2f 0]" % (page_ids[child.page], child.top),
            ]
            if index:
                entries.append(b"/Prev %d 0 R" % item.children[index - 1].number)
            if index + 1 < len(item.children):
                entries.append(b"/Next %d 0 R" % item.children[index + 1].number)
            if child.children:
                entries.append(
                    b"/First %d 0 R /Last %d 0 R /Count %d"
                    % (child.children[0].number, child.children[-1].number, count(child))
                )
            out.write_object(child.number, b"<< " + b" ".join(entries) + b" >>")
            write(child)

    write(root)
    out.write_object(
        root.number,
        b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
        % (root.children[0].number, root.children[-1].number, count(root)),
    )
    return root.number
