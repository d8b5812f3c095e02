"""Dispositions and the public ledger over the API."""

import csv
import json
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comments import permissions as comment_permissions
from comments.access import comment_or_404
from comments.attachments.selectors import public_attachments_by_receipt
from comments.threads.byline import NAME_WITHHELD, row_byline
from consult.access import consultation_or_404
from consult.models import Consultation
from feedback.ledger import chain, selectors, services
from feedback.ledger.serializers import (
    AppealCreateSerializer,
    AppealSerializer,
    DispositionRecordSerializer,
    RecordedDispositionSerializer,
)
from feedback.models import DispositionEntry
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.text import spreadsheet_safe

LEDGER_COLUMNS = [
    "receipt",
    "section",
    "author",
    "group",
    "organisation",
    "created_at",
    "status",
    "rationale",
    "published_at",
    # Withdrawn by its author: receipt and status only, like a private comment.
    "withdrawn",
    # web, api, email, letter, workshop, meeting, import (comments.offline.services).
    "channel",
    # The question number a free-text answer answers (consult/questions/services.py).
    "question",
    # The files of a public comment (comments/attachments/services.py): name, size in bytes, link.
    "attachments",
    # Issue 25: the named person (or the organisation) says they did not submit it
    # (a confirmed or upheld dispute: comments.disputes.selectors.disputed_flag).
    "disputed",
    # Issue 24: an amendment's passage and proposed wording (empty: not an amendment).
    "quote",
    "replacement",
    # Confirmed co-signatories of a public submission (issue 25, part 25a): "1 submission,
    # N co-signatories"; null where the row shows only receipt and status.
    "signatures",
]
AWAITING = "awaiting"


class DispositionCreateView(APIView):
    """Record the secretariat's decision on a comment; publish it at once or keep it as a draft."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=DispositionRecordSerializer, responses={201: RecordedDispositionSerializer}
    )
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = DispositionRecordSerializer(
            data=request.data, context={"consultation": comment.consultation}
        )
        data.is_valid(raise_exception=True)
        decision = services.disposition_record(
            actor=request.user,
            comment=comment,
            status=data.validated_data["status"],
            rationale=data.validated_data["rationale"],
            publish=data.validated_data["publish"],
            target_section=data.validated_data["target_section"],
            duplicate_of=data.validated_data["duplicate_of"],
            appeal=data.validated_data["appeal"],
            adopted_text=data.validated_data["adopted_text"],
        )
        return Response(
            RecordedDispositionSerializer(decision).data, status=status.HTTP_201_CREATED
        )


class AppealCreateView(APIView):
    """The comment's author appeals its current published decision, with a reason.

    Allowed within the appeal window after the decision's publication, one
    open appeal at a time; the secretariat must answer by ``answer_due_at``.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AppealCreateSerializer, responses={201: AppealSerializer})
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_file(
            actor=request.user, comment=comment, reason=data.validated_data["reason"]
        )
        appeal = selectors.appeals_of_comment(comment=comment).get(pk=appeal.pk)
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


def _ledger_row(comment: dict) -> list[str | None]:
    """One ledger row, in ``LEDGER_COLUMNS`` order, from ``selectors.ledger_export_rows``.

    A private, hidden or withdrawn comment (``comments.permissions.public_q``) shows
    only its receipt and status (and whether it was withdrawn).  A list, not a
    dict: this runs once per comment of the largest exports (bench/ledger_csv.py).
    """
    status = comment["disposition_status"] or AWAITING
    withdrawn = comment["withdrawn_at"] is not None
    if not comment["public"]:
        return [
            *(comment["receipt"], None, None, None, None, None, status, None, None, withdrawn),
            *(None, None),
        ]
    published_at = comment["disposition_published_at"]
    author, group, organisation = (
        comment["author_name"],
        comment["group_name"],
        comment["organisation_name"],
    )
    if comment["anonymous"]:  # published without the name: comments.permissions.can_see_author
        author, group, organisation = str(NAME_WITHHELD), None, None
    elif comment["entered_by_id"] is not None:  # entered by staff: the sender, not the staff
        author, group, organisation = (
            row_byline(comment),
            None,
            comment["submitter_organisation"] or None,
        )
    return [
        comment["receipt"],
        comment["section_key"],
        author,
        group,
        organisation,
        comment["created_at"].isoformat(),
        status,
        comment["disposition_rationale"],
        published_at.isoformat() if published_at else None,
        False,
        comment["channel"],
        comment["question_ordinal"],
    ]


def _amendment_cells(comment: dict) -> list[str | None]:
    """An amendment's quote and replacement (issue 24), where the comment is public."""
    if not comment["public"]:
        return [None, None]
    return [comment["amendment_quote"], comment["amendment_replacement"]]


def _signatures(comment: dict) -> int | None:
    """The ``signatures`` cell: confirmed co-signatories of a public comment (part 25a)."""
    return comment["signature_count"] if comment["public"] else None


def _with_points(rows: Iterator[list], points: Iterator[dict]) -> Iterator[list]:
    """Each ledger row followed by a last cell: the rows of its points (issue 23).

    Both streams come in comment order (``selectors.point_export_rows``), so one
    pass merges them.  A point's row is its comment's with the point's
    sub-receipt, status, rationale and publication date; where the comment is not
    public, receipt and status only, as for the comment.
    """
    pending = next(points, None)
    for row in rows:
        receipt = row[0]
        own = []
        while pending is not None and pending["comment_receipt"] == receipt:
            point_row = [None] * len(row)
            point_row[0] = f"{receipt}-{pending['number']}"
            point_row[6] = pending["disposition_status"] or AWAITING
            point_row[9] = row[9]  # withdrawn
            if row[5] is not None:  # created_at: given only where the comment is public
                point_row[1:6] = row[1:6]
                published_at = pending["disposition_published_at"]
                point_row[7] = pending["disposition_rationale"]
                point_row[8] = published_at.isoformat() if published_at else None
                point_row[10:12] = row[10:12]
            own.append(point_row)
            pending = next(points, None)
        yield [*row, own]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


# One ledger.csv cell as text; formulas defused by plenary.text.spreadsheet_safe.
def _csv_cell(text: str | int | None) -> str:
    if isinstance(text, bool):  # the withdrawn flag
        return "true" if text else "false"
    if isinstance(text, int):  # the question number
        return str(text)
    if isinstance(text, list):  # the attachments
        text = "; ".join(f"{a['name']} ({a['size']} bytes) {a['url']}" for a in text)
    return spreadsheet_safe(text) or ""


def _batched(pieces: Iterator[str], size: int = 256) -> Iterator[str]:
    """Join ``size`` pieces (rows) per chunk: a response chunk per row would cost
    more than the row itself (encoding, the WSGI write), with memory still flat."""
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) == size:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


class _FirstRenderer(BaseContentNegotiation):
    """Ledger exports ignore Accept: the path names the format; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _LedgerView(APIView):
    content_negotiation_class = _FirstRenderer
    filename_suffix = ""
    content_type = ""

    def stream(self, rows: Iterator[list], *, consultation: Consultation) -> Iterator[str]:
        raise NotImplementedError

    def get(self, request: Request, slug: str) -> StreamingHttpResponse:
        consultation = consultation_or_404(slug=slug, user=request.user)
        audit_record(
            event=Event.EXPORT_DOWNLOADED,
            actor=request.user,
            consultation=consultation,
            target=f"ledger.{self.filename_suffix}",
            request=request,
        )
        # A server-side cursor on PostgreSQL: memory stays flat however long the ledger.
        comments = selectors.ledger_export_rows(consultation=consultation).iterator(chunk_size=2000)
        files = public_attachments_by_receipt(consultation=consultation)  # one query
        points = selectors.point_export_rows(consultation=consultation).iterator(chunk_size=2000)
        rows = _with_points(
            (
                [
                    *_ledger_row(c),
                    files.get(c["receipt"]),
                    c["disputed"],
                    *_amendment_cells(c),
                    _signatures(c),
                ]
                for c in comments
            ),
            points,
        )
        response = StreamingHttpResponse(
            _batched(self.stream(rows, consultation=consultation)), content_type=self.content_type
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{consultation.slug}-ledger.{self.filename_suffix}"'
        )
        return response


@extend_schema(
    summary=_("The public disposition ledger as CSV"),
    responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
)
class LedgerCSVView(_LedgerView):
    """One row per comment: receipt, section, author, group, organisation, status, rationale;
    a comment's points follow it, one row each under its sub-receipt ``<receipt>-<n>``."""

    filename_suffix = "csv"
    content_type = "text/csv; charset=utf-8"

    def stream(self, rows: Iterator[list], *, consultation: Consultation) -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(LEDGER_COLUMNS)
        for *row, points in rows:
            yield writer.writerow([_csv_cell(cell) for cell in row])
            # A comment's points follow it, each under its sub-receipt (issue 23).
            for point in points:
                yield writer.writerow([_csv_cell(cell) for cell in point])


@extend_schema(
    summary=_("The public disposition ledger as JSON"),
    responses={(200, "application/json"): OpenApiResponse(OpenApiTypes.ANY)},
)
class LedgerJSONView(_LedgerView):
    """The ledger as one JSON object that lets anyone check its hash chain.

    ``{"consultation", "format", "hash_algorithm", "comments", "entries", "events",
    "head", "events_head", "anchored_head"}``:
    ``comments`` has one object per comment with its current status (private
    or hidden ones: receipt and status only) and, for a comment answered point
    by point, ``points`` (``receipt`` ``<receipt>-<n>``, ``status``,
    ``rationale``, ``published_at``); ``entries`` has every published
    decision in ``sequence`` order, each with the fields its hash covers, its
    ``entry_hash`` and, where the comment is public, its ``rationale`` text
    (``null`` otherwise: ``rationale_sha256`` still stands for it); ``head``
    is the last ``entry_hash`` (64 zeros when there is none).

    To verify, for each entry in order, starting with ``previous`` = 64 zeros:
    check ``sequence`` counts 1, 2, 3... and ``previous_hash == previous``;
    build the object of its ``sequence, receipt, status, rationale_sha256,
    target_section, duplicate_of, appeal, decided_at, published_at,
    previous_hash`` plus its ``format`` and the top-level ``consultation``
    (an entry of format ``plenary-ledger-v2``, which adopts an amendment's
    wording, adds ``adopted_text_sha256``; where ``adopted_text`` is given its
    UTF-8 SHA-256 must equal it);
    serialise it as JSON with sorted keys, no spaces, non-ASCII unescaped,
    UTF-8; its SHA-256 in hex must equal ``entry_hash``; where ``rationale`` is
    given, its UTF-8 SHA-256 must equal ``rationale_sha256``; then
    ``previous = entry_hash``.  At the end ``previous == head``.  A head noted
    earlier must still appear among the entry hashes.  ``anchored_head``
    (``{"hash", "entries", "anchored_at"}``, ``null`` before any publication)
    is the head the latest publication recorded in its append-only log: the
    entry numbered ``entries`` must have that hash, so entries removed from
    the end are seen too; the decision digests mail the same head.  README ("Verifying the
    ledger") has the same recipe as a Python script.

    ``events`` (issue 25: disputes decided, redactions, campaign copies turned into
    co-signatures) is a second chain checked the same way from 64 zeros: the object
    of its ``sequence, kind, receipt, payload, recorded_at, previous_hash``, its
    ``format`` (``plenary-events-v1``) and the top-level ``consultation`` hashes to
    ``event_hash``; the last is ``events_head``.
    """

    filename_suffix = "json"
    content_type = "application/json"

    def stream(self, rows: Iterator[list], *, consultation: Consultation) -> Iterator[str]:
        # Keys in streaming order: "head" is known only once every entry is out.
        yield json.dumps(
            {
                "consultation": consultation.slug,
                "format": chain.FORMAT,
                "hash_algorithm": "sha256",
            },
            ensure_ascii=False,
        )[:-1]
        yield ',\n"comments": ['
        separator = "\n"
        for *row, points in rows:
            comment = dict(zip(LEDGER_COLUMNS, row, strict=True))
            if points:  # issue 23: "points" only on comments answered point by point
                comment["points"] = [
                    {"receipt": p[0], "status": p[6], "rationale": p[7], "published_at": p[8]}
                    for p in points
                ]
            yield separator + json.dumps(comment, ensure_ascii=False)
            separator = ",\n"
        yield '\n],\n"entries": ['
        # Read before the chain, so the entries below include every one it counts.
        anchored = selectors.anchored_head_document(
            selectors.anchored_head(consultation=consultation)
        )
        head = chain.GENESIS
        separator = "\n"
        entries = selectors.ledger_chain(consultation=consultation).iterator(chunk_size=2000)
        for entry in entries:
            yield separator + json.dumps(_ledger_entry(entry), ensure_ascii=False)
            separator = ",\n"
            head = entry.entry_hash
        # Issue 25: the event chain (disputes decided, redactions, campaign copies turned
        # into co-signatures), checked the same way with its own genesis.
        yield '\n],\n"events": ['
        events_head = chain.GENESIS
        separator = "\n"
        for event in selectors.event_chain(consultation=consultation).iterator(chunk_size=2000):
            document = chain.event_document_for(event, previous_hash=event.previous_hash)
            del document["consultation"]
            document["event_hash"] = event.event_hash
            yield separator + json.dumps(document, ensure_ascii=False)
            separator = ",\n"
            events_head = event.event_hash
        yield (
            f'\n],\n"head": {json.dumps(head)},\n'
            f'"events_head": {json.dumps(events_head)},\n'
            f'"anchored_head": {json.dumps(anchored, ensure_ascii=False)}}}\n'
        )


def _ledger_entry(entry: DispositionEntry) -> dict:
    """An entry as ledger.json gives it: what its hash covers, the hash, the public text."""
    document = chain.document_for(entry, previous_hash=entry.previous_hash)
    # Said once at the top of ledger.json rather than on every entry.  ``format`` stays:
    # an entry adopting an amendment's wording hashes as v2 (issue 24).
    del document["consultation"]
    document["entry_hash"] = entry.entry_hash
    public = comment_permissions.is_public(entry.parent_comment)
    document["rationale"] = entry.rationale if public else None
    if entry.adopted_text:
        document["adopted_text"] = entry.adopted_text if public else None
    return document
