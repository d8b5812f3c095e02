"""The JSON API's feedback endpoints, included by plenary.api_urls (paths are a contract)."""

from django.urls import path

from feedback.assignments import api as assignments
from feedback.clusters import api as feedback_clusters
from feedback.compose import api as compose
from feedback.ledger import api as feedback
from feedback.participation import api as participation
from feedback.points import api as points
from feedback.provenance import api as provenance
from feedback.statement import api as statement
from feedback.themes import api as feedback_themes

urlpatterns = [
    # GET lists the versions; POST {"compose": true} composes the next one (issue 24).
    path(
        "consultations/<slug:slug>/versions/",
        compose.VersionListView.as_view(),
        name="api-versions",
    ),
    path(
        "consultations/<slug:slug>/integrity/",
        statement.IntegrityStatementView.as_view(),
        name="api-integrity",
    ),
    path(
        "consultations/<slug:slug>/integrity/activity/",
        provenance.ActivityView.as_view(),
        name="api-integrity-activity",
    ),
    path(
        "consultations/<slug:slug>/assignments/",
        assignments.AssignmentListView.as_view(),
        name="api-assignments",
    ),
    path(
        "consultations/<slug:slug>/clusters/",
        feedback_clusters.ClusterListView.as_view(),
        name="api-clusters",
    ),
    path(
        "consultations/<slug:slug>/themes/",
        feedback_themes.ThemeListView.as_view(),
        name="api-themes",
    ),
    path(
        "consultations/<slug:slug>/ledger.csv",
        feedback.LedgerCSVView.as_view(),
        name="api-ledger-csv",
    ),
    path(
        "consultations/<slug:slug>/ledger.json",
        feedback.LedgerJSONView.as_view(),
        name="api-ledger-json",
    ),
    path(
        "comments/<str:receipt>/dispositions/",
        feedback.DispositionCreateView.as_view(),
        name="api-dispositions",
    ),
    path(
        "comments/<str:receipt>/points/",
        points.CommentPointsView.as_view(),
        name="api-comment-points",
    ),
    path(
        "comments/<str:receipt>/appeals/",
        feedback.AppealCreateView.as_view(),
        name="api-appeals",
    ),
    path(
        "consultations/<slug:slug>/participation/",
        participation.ParticipationView.as_view(),
        name="api-participation",
    ),
    path(
        "consultations/<slug:slug>/participation/staff/",
        participation.StaffParticipationView.as_view(),
        name="api-participation-staff",
    ),
]
