"""The secretariat's desk (feedback.desk.views)."""

from django.urls import path

from feedback.desk import views

urlpatterns = [
    path("staff/c/<slug:slug>/desk/", views.desk, name="staff_desk"),
]
