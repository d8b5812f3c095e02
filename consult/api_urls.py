"""The JSON API's consult endpoints, included by plenary.api_urls (paths are a contract)."""

from django.urls import path

from consult.consultations import api as consult
from consult.meetings import api as consult_meetings
from consult.questions import api as consult_questions
from consult.versions import api as consult_versions

urlpatterns = [
    path("consultations/", consult.ConsultationListView.as_view(), name="api-consultations"),
    path(
        "consultations/<slug:slug>/",
        consult.ConsultationDetailView.as_view(),
        name="api-consultation",
    ),
    path(
        "consultations/<slug:slug>/sections/",
        consult.SectionListView.as_view(),
        name="api-sections",
    ),
    path(
        "consultations/<slug:slug>/versions/<int:number>/",
        consult_versions.VersionDetailView.as_view(),
        name="api-version",
    ),
    path(
        "consultations/<slug:slug>/versions/<int:number>/publish/",
        consult_versions.VersionPublishView.as_view(),
        name="api-version-publish",
    ),
    path(
        "consultations/<slug:slug>/versions/<int:old>/diff/<int:new>/",
        consult_versions.VersionDiffView.as_view(),
        name="api-version-diff",
    ),
    path(
        "consultations/<slug:slug>/meetings/",
        consult_meetings.MeetingListView.as_view(),
        name="api-meetings",
    ),
    path(
        "consultations/<slug:slug>/questions/",
        consult_questions.RoundQuestionsView.as_view(),
        name="api-round-questions",
    ),
    path(
        "consultations/<slug:slug>/answers/",
        consult_questions.RoundAnswersView.as_view(),
        name="api-round-answers",
    ),
]
