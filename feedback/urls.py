from django.urls import include, path

from feedback.agreement import views as agreement_views
from feedback.clusters import views as cluster_views
from feedback.ledger import views
from feedback.redaction import views as redaction_views
from feedback.report import views as report_views
from feedback.themes import views as theme_views

urlpatterns = [
    path("c/<slug:slug>/ledger/", views.ledger, name="ledger"),
    path("staff/c/<slug:slug>/triage/", views.triage, name="staff_triage"),
    path("staff/comments/<str:receipt>/decide/", views.decide, name="staff_decide"),
    path(
        "staff/comments/<str:receipt>/redact/",
        redaction_views.comment_redact,
        name="staff_comment_redact",
    ),
    path("staff/c/<slug:slug>/snippets/", views.snippets, name="staff_snippets"),
    path("staff/c/<slug:slug>/snippets/<int:pk>/", views.snippet_edit, name="staff_snippet_edit"),
    path(
        "staff/c/<slug:slug>/snippets/<int:pk>/delete/",
        views.snippet_delete,
        name="staff_snippet_delete",
    ),
    path("staff/c/<slug:slug>/coverage/", views.coverage, name="staff_coverage"),
    path("staff/c/<slug:slug>/appeals/", views.appeals, name="staff_appeals"),
    path("staff/c/<slug:slug>/report/", report_views.report_page, name="staff_report"),
    path(
        "staff/c/<slug:slug>/report/<int:pk>/download/",
        report_views.report_download,
        name="staff_report_download",
    ),
    path("staff/c/<slug:slug>/themes/", theme_views.themes_index, name="staff_themes"),
    path(
        "staff/c/<slug:slug>/themes/suggest/",
        theme_views.themes_suggest,
        name="staff_themes_suggest",
    ),
    path(
        "staff/c/<slug:slug>/themes/suggestions/<int:pk>/",
        theme_views.suggestion_review,
        name="staff_theme_suggestion",
    ),
    path(
        "staff/c/<slug:slug>/themes/coding/", agreement_views.samples, name="staff_coding_samples"
    ),
    path(
        "staff/c/<slug:slug>/themes/coding/<int:pk>/",
        agreement_views.sample_detail,
        name="staff_coding_sample",
    ),
    path("staff/c/<slug:slug>/themes/<int:pk>/", theme_views.theme_detail, name="staff_theme"),
    path(
        "staff/c/<slug:slug>/themes/<int:pk>/delete/",
        theme_views.theme_delete,
        name="staff_theme_delete",
    ),
    path(
        "staff/comments/<str:receipt>/themes/",
        theme_views.comment_themes,
        name="staff_comment_themes",
    ),
    path("staff/c/<slug:slug>/clusters/", cluster_views.clusters, name="staff_clusters"),
    path(
        "staff/c/<slug:slug>/clusters/<int:pk>/",
        cluster_views.cluster_detail,
        name="staff_cluster",
    ),
    path("", include("feedback.desk.urls")),
    path("", include("feedback.disputes.urls")),
    path("", include("feedback.assignments.urls")),
    path("", include("feedback.points.urls")),
    path("", include("feedback.compose.urls")),
    path("", include("feedback.participation.urls")),
    path("", include("feedback.evaluation.urls")),
    path("", include("feedback.statement.urls")),
    path("", include("feedback.provenance.urls")),
]
