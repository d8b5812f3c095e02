from allauth.account.decorators import secure_admin_login
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from plenary import views

# The admin signs in through allauth, so two-factor sign-in cannot be skipped
# by posting a password to /admin/login/.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # on purpose

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("styleguide/", views.styleguide, name="styleguide"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from this same URL
    # (?script=), so script-src stays 'self'; only its inline <style> needs
    # style-src 'unsafe-inline', on this page alone.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("api/v1/", include("plenary.api_urls")),
    # The language switcher posts to Django's set_language (a cookie, no JS needed).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("stakeholders.urls")),
    path("", include("feedback.urls")),
    path("", include("comments.urls")),
    path("", include("consult.urls")),
]
