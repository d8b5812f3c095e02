"""The integrity statement page (feedback.statement.views)."""

from django.urls import path

from feedback.statement import views

urlpatterns = [
    path("c/<slug:slug>/integrity/", views.integrity, name="integrity"),
]
