"""The integrity statement over the API: the page's selector, as JSON."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.access import consultation_or_404
from feedback.statement.selectors import integrity_statement
from feedback.statement.serializers import StatementSerializer


class IntegrityStatementView(APIView):
    """A consultation's integrity statement: its figures and written policies, for
    whoever may see the consultation."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: StatementSerializer})
    def get(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        statement = integrity_statement(consultation=consultation)
        return Response(StatementSerializer(statement).data)
