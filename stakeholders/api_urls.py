"""The JSON API's stakeholders endpoints, included by plenary.api_urls (paths are a contract)."""

from django.urls import path

from stakeholders.accounts import api as stakeholders
from stakeholders.registry import api as stakeholders_registry

urlpatterns = [
    path("auth/token/", stakeholders.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", stakeholders.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", stakeholders.TokenDetailView.as_view(), name="api-token-detail"),
    path(
        "me/affiliations/",
        stakeholders_registry.MyAffiliationsView.as_view(),
        name="api-my-affiliations",
    ),
    path("me/profile/", stakeholders_registry.MyProfileView.as_view(), name="api-my-profile"),
    path(
        "organisations/",
        stakeholders_registry.OrganisationListView.as_view(),
        name="api-organisations",
    ),
]
