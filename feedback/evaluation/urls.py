"""The process evaluation's pages (feedback/evaluation/views.py), included from plenary/urls.py."""

from django.urls import path

from feedback.evaluation import views as evaluation_views

urlpatterns = [
    path("c/<slug:slug>/evaluation/", evaluation_views.evaluation_form, name="evaluation"),
    path(
        "staff/c/<slug:slug>/evaluation/",
        evaluation_views.evaluation_results,
        name="staff_evaluation",
    ),
]
