"""Assignments over the API: the team lists them (the secretariat all, the others their
own); the secretariat assigns, reassigns and unassigns, one call per scope."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from consult.access import consultation_or_404
from feedback import permissions as feedback_permissions
from feedback.assignments import selectors, services
from feedback.assignments.serializers import (
    AssignmentSerializer,
    AssignRequestSerializer,
    AssignResultSerializer,
)
from feedback.models import Assignment


class AssignmentCursorPagination(CursorPagination):
    ordering = ("pk",)
    page_size = 100


class AssignmentListView(generics.ListAPIView):
    """GET: the consultation's current assignments (the secretariat sees all, other team
    members their own).  POST: assign (or, with ``assignee: null``, unassign) a selection
    of comments, a section, a theme or a campaign cluster; the secretariat only."""

    serializer_class = AssignmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = AssignmentCursorPagination
    filter_backends: list = []
    queryset = Assignment.objects.none()  # for the schema; the list is per request
    forbidden_reads = ("GET",)  # plenary.api.AutoSchema documents the 403

    def get_queryset(self):
        consultation = consultation_or_404(slug=self.kwargs["slug"], user=self.request.user)
        feedback_permissions.require_can_see_queue(self.request.user, consultation)
        return selectors.assignments_of(consultation=consultation).filter(
            feedback_permissions.assignments_visible_q(self.request.user, consultation)
        )

    @extend_schema(request=AssignRequestSerializer, responses={200: AssignResultSerializer})
    def post(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        # Refuse who may not assign before reading the payload: a 403, not a 400.
        feedback_permissions.require_can_assign(request.user, consultation)
        data = AssignRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        scope = services.Scope.of(
            comments=given.get("comments"),
            section_key=given.get("section"),
            theme=given.get("theme"),
            cluster=given.get("cluster"),
        )
        if given["assignee"] is None:
            changed = services.assignments_unassign(
                actor=request.user, consultation=consultation, scope=scope
            )
        else:
            changed = services.assignments_assign(
                actor=request.user,
                consultation=consultation,
                assignee=given["assignee"],
                scope=scope,
            )
        return Response(AssignResultSerializer({"changed": changed}).data)
