"""The JSON API's comments endpoints, included by plenary.api_urls (paths are a contract)."""

from django.urls import path

from comments.attachments import api as comment_attachments
from comments.disputes import api as disputes
from comments.moderation import api as moderation
from comments.signatures import api as signatures
from comments.supports import api as supports
from comments.threads import api as comments

urlpatterns = [
    path(
        "consultations/<slug:slug>/comments/",
        comments.ConsultationCommentsView.as_view(),
        name="api-consultation-comments",
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
        "comments/<str:receipt>/flags/",
        moderation.CommentFlagsView.as_view(),
        name="api-comment-flags",
    ),
    path(
        "comments/<str:receipt>/disputes/",
        disputes.CommentDisputesView.as_view(),
        name="api-comment-disputes",
    ),
    path(
        "comments/<str:receipt>/signatures/",
        signatures.CommentSignaturesView.as_view(),
        name="api-comment-signatures",
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
    # Issue 24, part b: supports and the amendments list.
    path(
        "comments/<str:receipt>/supports/",
        supports.CommentSupportsView.as_view(),
        name="api-comment-supports",
    ),
    path(
        "consultations/<slug:slug>/amendments/",
        supports.ConsultationAmendmentsView.as_view(),
        name="api-consultation-amendments",
    ),
]
