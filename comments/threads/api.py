"""Comments over the API.  Each view: parse with a serializer, call one service, serialize."""

from functools import cached_property

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response

from comments import permissions as comment_permissions
from comments.access import comment_or_404
from comments.models import Comment
from comments.signatures.selectors import signature_count
from comments.threads import selectors, services
from comments.threads.pagination import CommentCursorPagination
from comments.threads.serializers import (
    CommentCreateSerializer,
    CommentDetailSerializer,
    CommentEditSerializer,
    CommentRevisionSerializer,
    CommentSerializer,
)
from consult.access import consultation_or_404
from consult.permissions import is_staff_of
from feedback.ledger.selectors import appeals_of_comment, disposition_history
from feedback.points.selectors import points_of
from feedback.trace import selectors as trace
from plenary import ratelimit


class CommentFilter(django_filters.FilterSet):
    section = django_filters.CharFilter(
        field_name="section__key", help_text=_("Only comments on the section with this key.")
    )
    round = django_filters.NumberFilter(
        field_name="round__number", help_text=_("Only comments made in this round.")
    )

    class Meta:
        model = Comment
        fields = ["section", "round"]


class ConsultationCommentsView(generics.ListAPIView):
    """Comments on a consultation (GET), or post a new one or a reply (POST).

    The list is oldest first, 50 a page; follow ``next`` (an opaque ``cursor``)
    for the rest: no comment is skipped or repeated while new ones arrive.
    """

    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    pagination_class = CommentCursorPagination
    queryset = Comment.objects.none()  # for the schema; get_queryset is per viewer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    rate_limited = ("POST",)  # plenary.api.AutoSchema documents the 429

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        self.consultation = consultation_or_404(slug=kwargs["slug"], user=request.user)

    @cached_property
    def is_staff(self) -> bool:
        """Whether the viewer is staff of the consultation (asked only by the list)."""
        return is_staff_of(self.request.user, self.consultation)

    def get_serializer_context(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_serializer_context()
        return {**super().get_serializer_context(), "is_staff": self.is_staff}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return selectors.comment_list_for_viewer(
            consultation=self.consultation, viewer=self.request.user, is_staff=self.is_staff
        )

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, slug: str) -> Response:
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            actor=request.user,
            consultation=self.consultation,
            section_key=data.validated_data.get("section") or None,
            parent=data.validated_data.get("parent"),
            on_behalf_of=data.validated_data.get("on_behalf_of"),
            body=data.validated_data["body"],
            visibility=data.validated_data["visibility"],
            anonymous=data.validated_data["anonymous"],  # publication: serializer's validate
            channel=Comment.Channel.API,
            accept_code_of_conduct=data.validated_data["accept_code_of_conduct"],
            language=data.validated_data["language"],
            rate_key=ratelimit.rate_key(request),  # RateLimited: 429 with Retry-After (plenary.api)
            amendment=data.validated_data.get("amendment"),
            network=ratelimit.client_ip(request),
        )
        # The service's own instance is the answer: its author reads it whatever the
        # visibility (no staff check), it has no decision yet, and its consultation,
        # round, section, parent and author are the objects the service was given,
        # so serializing it costs no query (tests/api/test_api_query_counts.py counts).
        context = {**super().get_serializer_context(), "is_staff": False}
        return Response(
            CommentSerializer(comment, context=context).data, status=status.HTTP_201_CREATED
        )


def _comment_detail(view: generics.GenericAPIView, comment: Comment) -> Response:
    """The comment as ``CommentDetailSerializer`` shows it to the view's user."""
    user = view.request.user
    # Asked where it changes what is shown: the text of a comment not public, a redacted
    # passage, an author's name withheld (issue 25).
    is_staff = bool(
        not comment_permissions.is_public(comment) or comment.redacted_body or comment.anonymous
    ) and is_staff_of(user, comment.consultation)
    context = {
        **view.get_serializer_context(),
        "is_staff": is_staff,
        "history": disposition_history(comment=comment),
        "appeals": appeals_of_comment(comment=comment),
        "points": points_of(comment=comment),  # one query, whatever their number
        # Where its amendment went (feedback.trace): one query.
        "applied_in": trace.applied_in(
            comment=comment, viewer=user, is_staff=True if is_staff else None
        ),
        "signatures": signature_count(comment=comment),
    }
    return Response(CommentDetailSerializer(comment, context=context).data)


class CommentDetailView(generics.GenericAPIView):
    """A comment by receipt, with its current disposition and the history of decisions
    (GET); its author edits its text while its round is open (PATCH ``{"body"}``).

    Anyone holding the receipt sees the status; the text and author of a
    private, hidden or withdrawn comment only show to its author and the
    consultation's staff.
    """

    serializer_class = CommentDetailSerializer
    queryset = Comment.objects.none()
    lookup_field = "receipt"
    rate_limited = ("PATCH",)  # plenary.api.AutoSchema documents the 429
    filter_backends: list = []
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get(self, request: Request, receipt: str) -> Response:
        return _comment_detail(self, comment_or_404(receipt, request.user))

    @extend_schema(request=CommentEditSerializer, responses={200: CommentDetailSerializer})
    def patch(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = CommentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.comment_edit(
            actor=request.user,
            comment=comment,
            body=data.validated_data["body"],
            rate_key=ratelimit.rate_key(request),  # RateLimited: 429 with Retry-After
            amendment=data.validated_data.get("amendment"),
        )
        return _comment_detail(self, comment_or_404(receipt, request.user))


class CommentWithdrawView(generics.GenericAPIView):
    """The author withdraws the comment while its round is open (no body; no undo).

    Its text and author then show only to its author and the consultation's
    staff; its receipt, status and decisions stay public.
    """

    serializer_class = CommentDetailSerializer
    queryset = Comment.objects.none()
    filter_backends: list = []
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: CommentDetailSerializer})
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        services.comment_withdraw(actor=request.user, comment=comment)
        return _comment_detail(self, comment_or_404(receipt, request.user))


class CommentRevisionsView(generics.GenericAPIView):
    """Every version of the comment's text, the original (1) first.

    For whoever may read the comment's text (403 otherwise: a private, hidden
    or withdrawn comment's history is its author's and the staff's).
    """

    serializer_class = CommentRevisionSerializer
    queryset = Comment.objects.none()
    filter_backends: list = []
    pagination_class = None
    forbidden_reads = ("GET",)  # plenary.api.AutoSchema documents the 403

    @extend_schema(responses={200: CommentRevisionSerializer(many=True)})
    def get(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        # A redacted comment's earlier versions hold the passage (comments.redaction).
        if not comment_permissions.can_see_original(request.user, comment):
            raise PermissionDenied(
                _("This comment's text is shown only to its author and the secretariat.")
            )
        revisions = selectors.comment_revisions(comment=comment)
        return Response(CommentRevisionSerializer(revisions, many=True).data)


class MyCommentsView(generics.ListAPIView):
    """Everything I wrote, in every consultation, newest first, with what happened to it."""

    serializer_class = CommentSerializer
    queryset = Comment.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return selectors.comments_of_author(user=self.request.user)
