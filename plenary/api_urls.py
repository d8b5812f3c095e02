"""The JSON API, mounted at /api/v1/ (paths are a contract: see DESIGN.md §5)."""

from django.urls import path

from comments.attachments import api as comment_attachments
from comments.moderation import api as moderation
from comments.threads import api as comments
from consult.consultations import api as consult
from consult.meetings import api as consult_meetings
from consult.questions import api as consult_questions
from consult.versions import api as consult_versions
from feedback.clusters import api as feedback_clusters
from feedback.ledger import api as feedback
from feedback.participation import api as stakeholders_participation
from feedback.themes import api as feedback_themes
from stakeholders.accounts import api as stakeholders
from stakeholders.registry import api as stakeholders_registry

urlpatterns = [
    path("auth/token/", stakeholders.TokenView.as_view(), name="api-token"),
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
        "consultations/<slug:slug>/versions/",
        consult_versions.VersionListView.as_view(),
        name="api-versions",
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
    path(
        "consultations/<slug:slug>/comments/",
        comments.ConsultationCommentsView.as_view(),
        name="api-consultation-comments",
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
        "consultations/<slug:slug>/search/",
        comment_attachments.ConsultationSearchView.as_view(),
        name="api-consultation-search",
    ),
    path("comments/<str:receipt>/", comments.CommentDetailView.as_view(), name="api-comment"),
    path(
        "comments/<str:receipt>/attachments/",
        comment_attachments.CommentAttachmentsView.as_view(),
        name="api-comment-attachments",
    ),
    path(
        "comments/<str:receipt>/withdraw/",
        comments.CommentWithdrawView.as_view(),
        name="api-comment-withdraw",
    ),
    path(
        "comments/<str:receipt>/revisions/",
        comments.CommentRevisionsView.as_view(),
        name="api-comment-revisions",
    ),
    path(
        "comments/<str:receipt>/dispositions/",
        feedback.DispositionCreateView.as_view(),
        name="api-dispositions",
    ),
    path(
        "comments/<str:receipt>/appeals/",
        feedback.AppealCreateView.as_view(),
        name="api-appeals",
    ),
    path(
        "comments/<str:receipt>/flags/",
        moderation.CommentFlagsView.as_view(),
        name="api-comment-flags",
    ),
    path(
        "comments/<str:receipt>/moderation/",
        moderation.CommentModerationView.as_view(),
        name="api-comment-moderation",
    ),
    path(
        "consultations/<slug:slug>/blocks/",
        moderation.ConsultationBlocksView.as_view(),
        name="api-consultation-blocks",
    ),
    path("me/comments/", comments.MyCommentsView.as_view(), name="api-my-comments"),
    path(
        "me/affiliations/",
        stakeholders_registry.MyAffiliationsView.as_view(),
        name="api-my-affiliations",
    ),
    path("me/profile/", stakeholders_registry.MyProfileView.as_view(), name="api-my-profile"),
    path(
        "organisations/",
        stakeholders_registry.OrganisationListView.as_view(),
        name="api-organisations",
    ),
    path(
        "consultations/<slug:slug>/participation/",
        stakeholders_participation.ParticipationView.as_view(),
        name="api-participation",
    ),
    path(
        "consultations/<slug:slug>/participation/staff/",
        stakeholders_participation.StaffParticipationView.as_view(),
        name="api-participation-staff",
    ),
]
