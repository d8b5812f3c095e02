from django.urls import path

from feedback.compose import views

urlpatterns = [
    path("staff/c/<slug:slug>/versions/compose/", views.compose, name="staff_version_compose"),
]
