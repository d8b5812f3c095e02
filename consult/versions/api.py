"""GET /api/v1/consultations/<slug>/versions/ and .../versions/<old>/diff/<new>/ (read-only);
DELETE .../versions/<number>/ (an unpublished version, by the secretariat);
POST .../versions/<number>/publish/ (the secretariat publishes an unpublished version).
The list itself (GET, and POST composing the next version: issue 24) is
feedback.compose.api's view.

Published versions for everyone; the consultation's team also sees unpublished
ones (as on the pages: consult/versions/views.py).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consult import permissions
from consult.access import consultation_or_404
from consult.models import DocumentVersion
from consult.versions import selectors as version_selectors
from consult.versions import services as version_services
from consult.versions.diff import version_diff
from consult.versions.serializers import VersionListSerializer
from feedback.trace import selectors as trace


class VersionDetailView(APIView):
    """DELETE: delete an unpublished version (secretariat; 400 naming ``version`` when it
    is published, not the newest, or named by a round or comments)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, slug: str, number: int) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        version = (
            version_selectors.versions_for_viewer(
                consultation=consultation,
                is_staff=permissions.is_staff_of(request.user, consultation),
            )
            .filter(number=number)
            .first()
        )
        if version is None:
            raise Http404(_("No such version of this draft."))
        version_services.version_delete(actor=request.user, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionPublishView(APIView):
    """POST: publish an unpublished version (secretariat); 200 with the version, 400 naming
    ``version`` when it is already published or an earlier one is not."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: VersionListSerializer})
    def post(self, request: Request, slug: str, number: int) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        permissions.require_can_run(request.user, consultation)
        version = (
            version_selectors.versions_for_viewer(consultation=consultation, is_staff=True)
            .filter(number=number)
            .first()
        )
        if version is None:
            raise Http404(_("No such version of this draft."))
        version_services.version_publish(actor=request.user, version=version)
        version = version_selectors.versions_for_viewer(
            consultation=consultation, is_staff=True
        ).get(pk=version.pk)
        return Response(VersionListSerializer(version, context={"slug": slug}).data)


class ChangeSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_("Unchanged text, or the text removed."))
    added = serializers.CharField(
        allow_null=True, help_text=_("The text put in its place; null for unchanged text.")
    )
    because = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "Receipts of the inputs that caused this change: the amendments composed into it "
            "and the comments whose decision names this section; empty when none is known "
            "(and for unchanged text)."
        ),
    )


class SectionTextSerializer(serializers.Serializer):
    ordinal = serializers.IntegerField()
    heading = serializers.CharField()
    body = serializers.CharField()


class SectionDiffSerializer(serializers.Serializer):
    key = serializers.CharField()
    status = serializers.ChoiceField(choices=["changed", "unchanged", "added", "removed"])
    old = SectionTextSerializer(allow_null=True)
    new = SectionTextSerializer(allow_null=True)
    changes = ChangeSerializer(many=True)
    html = serializers.CharField(
        help_text=_(
            "The section rendered from its Markdown (sanitised HTML), with removed words in "
            "<del> and added words in <ins>."
        )
    )


class VersionDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    sections = SectionDiffSerializer(many=True)


class VersionDiffView(generics.GenericAPIView):
    """Section by section, word-level changes from version ``old`` to version ``new``."""

    serializer_class = VersionDiffSerializer
    queryset = DocumentVersion.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses=VersionDiffSerializer)
    def get(self, request: Request, slug: str, old: int, new: int) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        is_staff = permissions.is_staff_of(request.user, consultation)
        versions = {}
        for number in (old, new):
            version = version_selectors.version_for_viewer(
                consultation=consultation, number=number, is_staff=is_staff
            )
            if version is None:
                raise Http404(_("No version %(n)d of this draft.") % {"n": number})
            versions[number] = version
        rows = version_diff(old=versions[old], new=versions[new])
        because = trace.diff_because(
            rows=rows, new=versions[new], viewer=request.user, is_staff=is_staff
        )
        data = {
            "old": old,
            "new": new,
            "sections": [
                {
                    "key": row.key,
                    "status": row.status,
                    "old": row.old,
                    "new": row.new,
                    "changes": [
                        {"text": text, "added": added, "because": receipts}
                        for (text, added), receipts in zip(
                            row.changes, because[row.key], strict=True
                        )
                    ],
                    "html": row.html,
                }
                for row in rows
            ],
        }
        return Response(self.get_serializer(data).data)
