"""Supports and the amendments list over the API.  Each view: parse, one service or
selector call, serialize."""

from functools import cached_property

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from comments.access import comment_or_404
from comments.models import Comment
from comments.supports import selectors, services
from comments.supports.serializers import (
    AmendmentListItemSerializer,
    AmendmentQuerySerializer,
    SupportInputSerializer,
    SupportSerializer,
)
from comments.threads.pagination import CommentCursorPagination
from consult.access import consultation_or_404
from consult.permissions import is_staff_of
from plenary import ratelimit


class CommentSupportsView(generics.GenericAPIView):
    """Support the change a comment proposes (POST: 201 the first time, 200 after, with the
    count), or withdraw the support (DELETE: 200 with the count) while its round is open.

    Open to whoever may comment here, once the code of conduct is accepted; not on one's
    own change, nor on a comment that proposes none (400 naming ``amendment``).
    """

    serializer_class = SupportSerializer
    queryset = Comment.objects.none()
    filter_backends: list = []
    permission_classes = [permissions.IsAuthenticated]
    rate_limited = ("POST", "DELETE")  # plenary.api.AutoSchema documents the 429

    @extend_schema(
        request=SupportInputSerializer,
        responses={200: SupportSerializer, 201: SupportSerializer},
    )
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = SupportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.amendment_support(
            actor=request.user,
            comment=comment,
            accept_code_of_conduct=data.validated_data["accept_code_of_conduct"],
            rate_key=ratelimit.rate_key(request),
        )
        return Response(
            {"supports": result.count, "supported": True},
            status=status.HTTP_201_CREATED if result.changed else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={200: SupportSerializer})
    def delete(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        result = services.amendment_support_withdraw(
            actor=request.user, comment=comment, rate_key=ratelimit.rate_key(request)
        )
        return Response({"supports": result.count, "supported": False})


@extend_schema(
    parameters=[
        OpenApiParameter("section", str, description=_("Only changes to this section's key.")),
        OpenApiParameter(
            "status",
            str,
            enum=selectors.status_choices(),
            description=_("A current published decision, or awaiting (none published yet)."),
        ),
    ]
)
class ConsultationAmendmentsView(generics.ListAPIView):
    """The changes proposed to a consultation's text that you may read, oldest first,
    with their support count and current decision; 50 a page, follow ``next``."""

    serializer_class = AmendmentListItemSerializer
    pagination_class = CommentCursorPagination
    queryset = Comment.objects.none()  # for the schema; get_queryset is per viewer
    filter_backends: list = []
    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        self.consultation = consultation_or_404(slug=kwargs["slug"], user=request.user)
        query = AmendmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.filters = query.validated_data
        key = self.filters.get("section")
        if key and not selectors.section_key_known(consultation=self.consultation, key=key):
            raise serializers.ValidationError(
                {"section": [_("This consultation has no section “%(key)s”.") % {"key": key}]}
            )

    @cached_property
    def is_staff(self) -> bool:
        return is_staff_of(self.request.user, self.consultation)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return selectors.amendments_for_viewer(
            consultation=self.consultation,
            viewer=self.request.user,
            is_staff=self.is_staff,
            section_key=self.filters.get("section"),
            status=self.filters.get("status"),
        )
