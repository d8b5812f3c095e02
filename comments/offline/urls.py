"""Staff pages for input received outside the web (comments/offline/views.py)."""

from django.urls import path

from comments.offline import views as offline_views

urlpatterns = [
    path("staff/c/<slug:slug>/comments/enter/", offline_views.enter, name="staff_comment_enter"),
    path(
        "staff/c/<slug:slug>/comments/import/",
        offline_views.import_csv,
        name="staff_comment_import",
    ),
    path(
        "staff/c/<slug:slug>/comments/entered/",
        offline_views.entered,
        name="staff_comments_entered",
    ),
    path(
        "staff/c/<slug:slug>/comments/entered.csv",
        offline_views.entered_csv,
        name="staff_comments_entered_csv",
    ),
]
