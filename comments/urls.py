from django.urls import include, path

from comments.attachments import views as attachment_views
from comments.moderation import views as moderation_views
from comments.search import views as search_views
from comments.threads import views

urlpatterns = [
    path("c/<slug:slug>/s/<slug:key>/", views.section_thread, name="section"),
    path("c/<slug:slug>/s/<slug:key>/t/<str:receipt>/", views.comment_thread, name="thread"),
    path("c/<slug:slug>/search/", search_views.consultation_search, name="consultation_search"),
    path("r/", views.receipt_lookup, name="receipt_lookup"),
    path("r/<str:receipt>/", views.receipt_detail, name="receipt"),
    path("r/<str:receipt>/appeal/", views.receipt_appeal, name="receipt_appeal"),
    path("r/<str:receipt>/edit/", views.comment_edit, name="comment_edit"),
    path("r/<str:receipt>/withdraw/", views.comment_withdraw, name="comment_withdraw"),
    path("r/<str:receipt>/history/", views.comment_history, name="comment_history"),
    path("me/input/", views.my_input, name="my_input"),
    path("a/<int:pk>/<str:name>", attachment_views.attachment_download, name="attachment"),
    path(
        "r/<str:receipt>/attachments/",
        attachment_views.attachments_add,
        name="receipt_attachments",
    ),
    path("r/<str:receipt>/flag/", moderation_views.flag, name="receipt_flag"),
    path(
        "staff/comments/<str:receipt>/moderate/",
        moderation_views.moderate_comment,
        name="staff_moderate_comment",
    ),
    path("staff/c/<slug:slug>/moderation/", moderation_views.queue, name="staff_moderation"),
    path("staff/c/<slug:slug>/moderation/blocks/", moderation_views.blocks, name="staff_blocks"),
    path(
        "staff/c/<slug:slug>/moderation/blocks/<int:pk>/unblock/",
        moderation_views.unblock,
        name="staff_unblock",
    ),
    path("", include("comments.offline.urls")),
    path("", include("comments.disputes.urls")),
    path("", include("comments.supports.urls")),  # issue 24, part b
    path("", include("comments.signatures.urls")),
]
