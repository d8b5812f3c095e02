"""Participation balance pages (feedback.participation.views)."""

from django.urls import path

from feedback.participation import views as balance_views

urlpatterns = [
    path("staff/c/<slug:slug>/balance/", balance_views.staff_balance, name="staff_balance"),
    path(
        "staff/c/<slug:slug>/balance.csv",
        balance_views.staff_balance_csv,
        name="staff_balance_csv",
    ),
    path(
        "c/<slug:slug>/participation/",
        balance_views.public_participation,
        name="participation",
    ),
]
