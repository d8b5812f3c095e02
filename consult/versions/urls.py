from django.urls import path

from consult.versions import views as version_views

urlpatterns = [
    path("c/<slug:slug>/versions/", version_views.versions, name="versions"),
    path(
        "c/<slug:slug>/versions/<int:old>/diff/<int:new>/",
        version_views.diff,
        name="version_diff",
    ),
    path(
        "c/<slug:slug>/versions/<int:number>/s/<slug:key>/",
        version_views.version_section,
        name="version_section",
    ),
    path(
        "c/<slug:slug>/versions/<int:number>/download.<str:file_format>",
        version_views.download,
        name="version_download",
    ),
    path(
        "staff/c/<slug:slug>/draft/upload/",
        version_views.staff_draft_upload,
        name="staff_draft_upload",
    ),
    path(
        "staff/c/<slug:slug>/versions/<int:number>/matching/",
        version_views.staff_version_matching,
        name="staff_version_matching",
    ),
    path(
        "staff/c/<slug:slug>/versions/<int:number>/publish/",
        version_views.staff_version_publish,
        name="staff_version_publish",
    ),
    path(
        "staff/c/<slug:slug>/versions/<int:number>/delete/",
        version_views.staff_version_delete,
        name="staff_version_delete",
    ),
]
