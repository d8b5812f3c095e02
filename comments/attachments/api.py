"""Attachments and search over the API (thin: one service or selector call each)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from comments import permissions as comment_permissions
from comments.access import comment_or_404
from comments.attachments import services as attachment_files
from comments.attachments.selectors import PREVIEW_CHARS
from comments.models import Attachment
from comments.search.selectors import comment_search
from consult.access import consultation_or_404
from consult.permissions import is_staff_of
from plenary import bodies


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name", help_text=_("The file's own name."))
    content_type = serializers.CharField(help_text=_("The type found in the file's content."))
    size = serializers.IntegerField(help_text=_("In bytes."))
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField(help_text=_("Where to download it (as a file)."))
    text_preview = serializers.SerializerMethodField(
        help_text=_("The first 500 characters of the text extracted from it (empty for images).")
    )
    extraction = serializers.CharField(
        help_text=_(
            "Whether its text was read for search: pending, done, truncated (a page, time or "
            "size limit cut it), failed, or none (an image)."
        )
    )
    created_at = serializers.DateTimeField()

    def get_url(self, attachment: Attachment) -> str:
        return settings.SITE_URL + reverse(
            "attachment", args=[attachment.pk, attachment.original_name]
        )

    def get_text_preview(self, attachment: Attachment) -> str:
        return attachment.extracted_text[:PREVIEW_CHARS]


class AttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        help_text=_("One or more files (multipart/form-data, each part named “files”)."),
    )


class CommentAttachmentsView(generics.GenericAPIView):
    """The files a comment carries (GET), for whoever may read its text; its author adds
    files while its round is open (POST, multipart/form-data, parts named ``files``).

    Each file's type is found from its content; a refused file refuses the whole
    upload (400 naming ``attachments``) and nothing is stored.
    """

    serializer_class = AttachmentSerializer
    queryset = Attachment.objects.none()
    filter_backends: list = []
    pagination_class = None
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    parser_classes = [bodies.MultiPartParser, bodies.FormParser, bodies.JSONParser]
    forbidden_reads = ("GET",)  # plenary.api.AutoSchema documents the 403

    @extend_schema(responses={200: AttachmentSerializer(many=True)})
    def get(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        if not comment_permissions.can_see_text(request.user, comment):
            raise PermissionDenied(
                _("This comment's files are shown only to its author and the secretariat.")
            )
        rows = comment.attachments.order_by("pk")
        return Response(AttachmentSerializer(rows, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True)},
    )
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        rows = attachment_files.attachments_add(actor=request.user, comment=comment, files=files)
        return Response(AttachmentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class SearchHitSerializer(serializers.Serializer):
    receipt = serializers.CharField(source="comment.receipt")
    url = serializers.SerializerMethodField(help_text=_("The comment's public status page."))
    section = serializers.SerializerMethodField(
        help_text=_("Key of the section commented on (null for the whole draft).")
    )
    created_at = serializers.DateTimeField(source="comment.created_at")
    rank = serializers.FloatField(help_text=_("Higher is a better match."))
    snippet = serializers.CharField(
        help_text=_("HTML: an excerpt, escaped, with the matches in <mark> elements.")
    )

    def get_url(self, hit) -> str:
        return settings.SITE_URL + reverse("receipt", args=[hit.comment.receipt])

    def get_section(self, hit) -> str | None:
        return hit.comment.section.key if hit.comment.section_id else None


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField()
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = SearchHitSerializer(many=True, source="hits")


class ConsultationSearchView(generics.GenericAPIView):
    """Full-text search over the comments, replies and attachments' text of a consultation.

    Finds what the caller may read: public comments and one's own; everything
    for the consultation's staff.  Best match first (PostgreSQL), 20 a page.
    """

    serializer_class = SearchResultsSerializer
    queryset = Attachment.objects.none()
    filter_backends: list = []
    pagination_class = None
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description=_("The search.")),
            OpenApiParameter("page", OpenApiTypes.INT, description=_("1 (the default), 2, ...")),
        ],
        responses={
            200: SearchResultsSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description=_("An empty or too long q.")),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        try:
            page = max(1, min(int(request.query_params.get("page", "1")), 500))
        except ValueError:
            raise serializers.ValidationError({"page": [_("A page number: 1, 2, ...")]}) from None
        results = comment_search(
            consultation=consultation,
            query=request.query_params.get("q", ""),
            viewer=request.user,
            is_staff=is_staff_of(request.user, consultation),
            page=page,
        )
        return Response(SearchResultsSerializer(results).data)
