from django.urls import path

from feedback.provenance import views

urlpatterns = [
    path(
        "staff/c/<slug:slug>/integrity/activity/",
        views.activity,
        name="staff_integrity_activity",
    ),
    path(
        "staff/c/<slug:slug>/provenance/<str:receipt>/",
        views.provenance,
        name="staff_provenance",
    ),
]
