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

from comments.api.views import comment_or_404
from comments.models import Comment
from consult.api.views import consultation_or_404
from feedback import selectors, services

from .serializers import DispositionRecordSerializer, RecordedDispositionSerializer

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
]
AWAITING = "awaiting"


class DispositionCreateView(APIView):
    """Record the secretariat's decision on a comment; publish it at once or keep it as a draft."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=DispositionRecordSerializer, responses={201: RecordedDispositionSerializer}
    )
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt)
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
        )
        return Response(
            RecordedDispositionSerializer(decision).data, status=status.HTTP_201_CREATED
        )


def _ledger_row(comment: Comment) -> dict:
    """One ledger row.  A private or hidden comment shows only its receipt and status."""
    row = dict.fromkeys(LEDGER_COLUMNS)
    row["receipt"] = comment.receipt
    row["status"] = comment.disposition_status or AWAITING
    if not comment.is_public:
        return row
    participant = getattr(comment.author, "participant", None)
    row.update(
        section=comment.section.key if comment.section else None,
        author=participant.display_name if participant else None,
        group=participant.group.name if participant else None,
        organisation=comment.on_behalf_of.name if comment.on_behalf_of else None,
        created_at=comment.created_at.isoformat(),
        rationale=comment.disposition_rationale,
        published_at=(
            comment.disposition_published_at.isoformat()
            if comment.disposition_published_at
            else None
        ),
    )
    return row


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


# Cells a spreadsheet would run as a formula; prefixed with ' in the CSV only.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


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

    def stream(self, rows: Iterator[dict]) -> Iterator[str]:
        raise NotImplementedError

    def get(self, request: Request, slug: str) -> StreamingHttpResponse:
        consultation = consultation_or_404(slug=slug, user=request.user)
        # A server-side cursor on PostgreSQL: memory stays flat however long the ledger.
        comments = selectors.ledger_comments(consultation=consultation).iterator(chunk_size=2000)
        rows = (_ledger_row(comment) for comment in comments)
        response = StreamingHttpResponse(self.stream(rows), content_type=self.content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{consultation.slug}-ledger.{self.filename_suffix}"'
        )
        return response


@extend_schema(
    summary=_("The public disposition ledger as CSV"),
    responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
)
class LedgerCSVView(_LedgerView):
    """One row per comment: receipt, section, author, group, organisation, status, rationale."""

    filename_suffix = "csv"
    content_type = "text/csv; charset=utf-8"

    def stream(self, rows: Iterator[dict]) -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(LEDGER_COLUMNS)
        for row in rows:
            yield writer.writerow([_csv_cell(row[c]) for c in LEDGER_COLUMNS])


@extend_schema(
    summary=_("The public disposition ledger as JSON"),
    responses={(200, "application/json"): OpenApiResponse(OpenApiTypes.ANY)},
)
class LedgerJSONView(_LedgerView):
    """A JSON array, one object per comment (private ones: receipt and status only)."""

    filename_suffix = "json"
    content_type = "application/json"

    def stream(self, rows: Iterator[dict]) -> Iterator[str]:
        yield "["
        separator = "\n"
        for row in rows:
            yield separator + json.dumps(row, ensure_ascii=False)
            separator = ",\n"
        yield "\n]\n"
