"""Participation balance over the API: the public summary, and the staff figures.

Both read ``feedback.participation.selectors.participation_balance``, the selector of the
pages, the CSV and the outcome report.  The public summary counts public
comments only, has no gender and suppresses cells of fewer than
``SMALL_CELL`` people (``participants`` and ``comments`` are then null and
``suppressed`` true).  The staff variant (the secretariat and analysts) counts
every comment and adds gender, country, newcomers and the section-by-group
matrix.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consult import permissions as consult_permissions
from consult.access import consultation_or_404
from feedback.participation import selectors as balance_selectors


class CellSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("Group slug, region key, country code, etc."))
    label = serializers.CharField()
    participants = serializers.IntegerField(
        allow_null=True, help_text=_("People who commented; null when suppressed.")
    )
    comments = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    hidden = serializers.ChoiceField(
        choices=["", "small", "secondary"],
        help_text=_(
            "Why the cell is suppressed: small (fewer people than small_cell), or "
            "secondary (hidden so that a small one cannot be worked out); empty if shown."
        ),
    )
    registered = serializers.IntegerField(
        allow_null=True, help_text=_("Groups: followers and commenters.")
    )
    under_represented = serializers.BooleanField()
    supports = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "Groups: supports of proposed changes by the group's members; null when "
            "suppressed (fewer than small_cell supporters) or for other dimensions."
        ),
    )
    supporters = serializers.IntegerField(
        allow_null=True, help_text=_("Groups: how many members gave those supports.")
    )


class StaffCellSerializer(CellSerializer):
    newcomers = serializers.IntegerField(allow_null=True)


class DimensionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    additive = serializers.BooleanField(
        help_text=_("Whether the cells add up to the totals (a person may use several channels).")
    )
    cells = CellSerializer(many=True)


class StaffDimensionSerializer(DimensionSerializer):
    cells = StaffCellSerializer(many=True)


class BalanceSerializer(serializers.Serializer):
    audience = serializers.CharField()
    comments = serializers.IntegerField()
    participants = serializers.IntegerField(help_text=_("Active: wrote a counted comment."))
    registered = serializers.IntegerField(help_text=_("Followers and commenters."))
    top_people = serializers.IntegerField()
    top_comments = serializers.IntegerField(
        help_text=_("Comments written by the ten most active participants.")
    )
    top_share = serializers.FloatField(allow_null=True)
    supports = serializers.IntegerField(help_text=_("Supports of proposed changes, all groups."))
    small_cell = serializers.SerializerMethodField()
    dimensions = serializers.SerializerMethodField()

    def get_small_cell(self, balance) -> int:
        return balance_selectors.SMALL_CELL

    @extend_schema(responses=DimensionSerializer(many=True))
    def get_dimensions(self, balance) -> list:
        return DimensionSerializer(list(balance.dimensions.values()), many=True).data


class SectionGapSerializer(serializers.Serializer):
    key = serializers.CharField(source="section.key")
    ordinal = serializers.IntegerField(source="section.ordinal")
    heading = serializers.CharField(source="section.heading")
    comments_by_group = serializers.SerializerMethodField()
    missing_groups = serializers.SerializerMethodField()

    def get_comments_by_group(self, row) -> dict[str, int]:
        return {
            group.slug: n for group, n in zip(self.context["groups"], row.comments, strict=True)
        }

    def get_missing_groups(self, row) -> list[str]:
        return [group.slug for group in row.missing]


class StaffBalanceSerializer(BalanceSerializer):
    newcomers = serializers.IntegerField()
    threshold = serializers.FloatField(
        help_text=_("Share of participants below which a group is under-represented.")
    )
    sections = serializers.SerializerMethodField()

    @extend_schema(responses=StaffDimensionSerializer(many=True))
    def get_dimensions(self, balance) -> list:
        return StaffDimensionSerializer(list(balance.dimensions.values()), many=True).data

    @extend_schema(responses=SectionGapSerializer(many=True))
    def get_sections(self, balance) -> list:
        return SectionGapSerializer(
            balance.sections, many=True, context={"groups": balance.groups}
        ).data


class ParticipationView(APIView):
    """Who took part: public comments only, no gender, cells of fewer than 5 people hidden."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: BalanceSerializer})
    def get(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        balance = balance_selectors.participation_balance(
            consultation=consultation, audience=balance_selectors.PUBLIC
        )
        return Response(BalanceSerializer(balance).data)


class StaffParticipationView(APIView):
    """Every participation figure (all comments, gender, newcomers, sections by group):
    the consultation's secretariat and analysts only."""

    permission_classes = [permissions.IsAuthenticated]
    forbidden_reads = ("GET",)

    @extend_schema(responses={200: StaffBalanceSerializer})
    def get(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        if not consult_permissions.can_run_or_analyse(request.user, consultation):
            raise PermissionDenied(
                _("Only this consultation's secretariat and analysts can see this.")
            )
        balance = balance_selectors.participation_balance(
            consultation=consultation, audience=balance_selectors.STAFF
        )
        return Response(StaffBalanceSerializer(balance).data)
