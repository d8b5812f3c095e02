"""Meeting pages (consult/meetings/views.py), included from plenary/urls.py."""

from django.urls import path

from consult.meetings import views as meeting_views

urlpatterns = [
    path("c/<slug:slug>/meetings.ics", meeting_views.meetings_ics, name="meetings_ics"),
    path("c/<slug:slug>/meetings/<int:pk>/", meeting_views.meeting_detail, name="meeting"),
    path("c/<slug:slug>/meetings/<int:pk>.ics", meeting_views.meeting_ics, name="meeting_ics"),
    path("staff/c/<slug:slug>/meetings/", meeting_views.staff_meetings, name="staff_meetings"),
    path(
        "staff/c/<slug:slug>/meetings/new/",
        meeting_views.staff_meeting_new,
        name="staff_meeting_new",
    ),
    path(
        "staff/c/<slug:slug>/meetings/<int:pk>/",
        meeting_views.staff_meeting_edit,
        name="staff_meeting_edit",
    ),
    path(
        "staff/c/<slug:slug>/meetings/<int:pk>/summary/",
        meeting_views.staff_meeting_summary,
        name="staff_meeting_summary",
    ),
    path(
        "staff/c/<slug:slug>/meetings/<int:pk>/cancel/",
        meeting_views.staff_meeting_cancel,
        name="staff_meeting_cancel",
    ),
]
