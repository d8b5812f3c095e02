from django.urls import path

from stakeholders.accounts import views
from stakeholders.registry import views as registry_views

urlpatterns = [
    # One-click unsubscribe from reminder mails (RFC 8058): no sign-in, no CSRF token.
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # The viewer's time zone (a cookie read by stakeholders.accounts.timezone.TimezoneMiddleware).
    path("me/time-zone/", views.timezone_settings, name="timezone_settings"),
    path("me/profile/", views.profile, name="profile"),
    path("me/affiliations/", views.my_affiliations, name="my_affiliations"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/erase/", views.erase, name="erase_account"),
    path("me/tokens/", views.my_tokens, name="my_tokens"),
    path("staff/registry/", registry_views.registry_organisations, name="registry_organisations"),
    path("staff/registry/groups/", registry_views.registry_groups, name="registry_groups"),
    path(
        "staff/registry/groups/<slug:slug>/", registry_views.registry_group, name="registry_group"
    ),
    path(
        "staff/registry/organisations/<int:pk>/",
        registry_views.registry_organisation,
        name="registry_organisation",
    ),
    path(
        "staff/registry/affiliations/",
        registry_views.registry_affiliations,
        name="registry_affiliations",
    ),
]
