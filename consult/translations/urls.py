from django.urls import path

from consult.translations import views as translation_views

urlpatterns = [
    path(
        "staff/c/<slug:slug>/versions/<int:number>/translations/<str:language>/",
        translation_views.staff_version_translation,
        name="staff_version_translation",
    ),
]
