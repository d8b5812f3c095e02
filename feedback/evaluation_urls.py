"""The process evaluation's pages (feedback/evaluation_views.py), included from plenary/urls.py."""

from django.urls import path

from . import evaluation_views

urlpatterns = [
    path("c/<slug:slug>/evaluation/", evaluation_views.evaluation_form, name="evaluation"),
    path(
        "staff/c/<slug:slug>/evaluation/",
        evaluation_views.evaluation_results,
        name="staff_evaluation",
    ),
]
