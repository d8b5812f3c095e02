"""The registry in the API: the public list of organisations, my affiliations."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from stakeholders.models import (
    Affiliation,
    InterestTag,
    Organisation,
    Participant,
    StakeholderGroup,
)
from stakeholders.registry import selectors, services


class PublicOrganisationSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.name", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    verified = serializers.BooleanField(source="is_verified", read_only=True)
    merged_into = serializers.PrimaryKeyRelatedField(
        read_only=True,
        help_text="The organisation this duplicate was merged into (null for a live one).",
    )

    class Meta:
        model = Organisation
        fields = ["id", "name", "group", "country", "verified", "merged_into"]


class AffiliationSerializer(serializers.ModelSerializer):
    organisation = PublicOrganisationSerializer(read_only=True)

    class Meta:
        model = Affiliation
        fields = ["id", "organisation", "status", "reason", "created_at", "decided_at"]


class AffiliationRequestSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        help_text="The id of the organisation (GET /api/v1/organisations/).",
    )


class OrganisationListView(generics.ListAPIView):
    """Every organisation in the registry: name, group, country, verified, merged_into."""

    serializer_class = PublicOrganisationSerializer
    queryset = Organisation.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return selectors.public_organisations()


class MyAffiliationsView(generics.ListAPIView):
    """My affiliations (GET), or ask for a new one (POST ``{organisation: <id>}``)."""

    serializer_class = AffiliationSerializer
    queryset = Affiliation.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Affiliation.objects.none()
        return selectors.affiliations_of(user=self.request.user)

    @extend_schema(request=AffiliationRequestSerializer, responses={201: AffiliationSerializer})
    def post(self, request: Request) -> Response:
        data = AffiliationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participant = getattr(request.user, "participant", None)
        if participant is None:
            raise ValidationError(
                {"organisation": _("Complete your profile (/me/profile/) before asking.")}
            )
        affiliation = services.affiliation_request(
            participant=participant, organisation=data.validated_data["organisation"]
        )
        return Response(AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)


class ProfileSerializer(serializers.Serializer):
    """My profile.  Public: display_name, group, country.  The secretariat only: the rest."""

    display_name = serializers.CharField(max_length=80)
    group = serializers.SlugRelatedField(
        slug_field="slug", queryset=StakeholderGroup.objects.all(), help_text="A group's slug."
    )
    country = serializers.CharField(
        max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. KE. Unknown codes are refused."
    )
    gender = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    age_range = serializers.ChoiceField(
        choices=[
            "",
            *(value for value, _label in Participant._meta.get_field("age_range").choices),
        ],
        required=False,
        default="",
    )
    interests = serializers.PrimaryKeyRelatedField(
        many=True, queryset=InterestTag.objects.all(), required=False, default=list
    )

    def to_representation(self, participant: Participant) -> dict:
        return {
            "display_name": participant.display_name,
            "group": participant.group.slug,
            "country": participant.country.code,
            "gender": participant.gender,
            "age_range": participant.age_range,
            "interests": [tag.pk for tag in participant.interests.all()],
        }


class MyProfileView(generics.GenericAPIView):
    """My profile (GET; 404 before it is made), or save it (PUT, the whole profile)."""

    serializer_class = ProfileSerializer
    permission_classes = [permissions.IsAuthenticated]

    def _participant(self) -> Participant | None:
        return (
            Participant.objects.select_related("group")
            .prefetch_related("interests")
            .filter(user=self.request.user)
            .first()
        )

    @extend_schema(responses={200: ProfileSerializer})
    def get(self, request: Request) -> Response:
        participant = self._participant()
        if participant is None:
            raise NotFound(_("You have no profile yet: PUT one."))
        return Response(ProfileSerializer(participant).data)

    @extend_schema(request=ProfileSerializer, responses={200: ProfileSerializer})
    def put(self, request: Request) -> Response:
        data = ProfileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.participant_save_profile(user=request.user, **data.validated_data)
        return Response(ProfileSerializer(self._participant()).data)
