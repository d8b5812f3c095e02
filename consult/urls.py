from django.urls import include, path

from consult.consultations import views
from consult.reminders import views as reminder_views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.consultation_detail, name="consultation"),
    path("c/<slug:slug>/follow/", reminder_views.follow, name="consultation_follow"),
    path("me/reminders/", reminder_views.reminder_settings, name="reminder_settings"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/consultations/new/", views.staff_consultation_new, name="staff_consultation_new"),
    path("staff/c/<slug:slug>/", views.staff_consultation, name="staff_consultation"),
    path("staff/c/<slug:slug>/draft/", views.staff_draft_import, name="staff_draft_import"),
    path("staff/c/<slug:slug>/rounds/new/", views.staff_round_new, name="staff_round_new"),
    path("staff/c/<slug:slug>/team/", views.staff_team, name="staff_team"),
    path("", include("consult.versions.urls")),
    path("", include("consult.questions.urls")),
    path("", include("consult.rounds.urls")),
    path("", include("consult.translations.urls")),
    path("", include("consult.audit.urls")),
    path("", include("consult.meetings.urls")),
]
