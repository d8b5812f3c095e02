"""The JSON API, mounted at /api/v1/ (paths are a contract: see DESIGN.md §5).

Each app lists its own endpoints in ``<app>/api_urls.py``; the paths do not
overlap, so the order of the includes does not matter."""

from django.urls import include, path

urlpatterns = [
    path("", include("stakeholders.api_urls")),
    path("", include("consult.api_urls")),
    path("", include("comments.api_urls")),
    path("", include("feedback.api_urls")),
]
