"""Root URLs. Each app's pages hang off here; the admin is for staff."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import refusals
from core import views as core_views
from queues import views as queue_views

urlpatterns = [
    path("", queue_views.home, name="home"),
    path("", include("queues.urls")),
    path("", include("accounts.urls")),
    path("", include("applications.urls")),
    path("", include("placements.urls")),
    path("", include("bulletins.urls")),
    path("kindergarten/", include("placements.desk_urls")),
    path("desk/", include("integration.desk_urls")),
    path("api/v1/", include("integration.api.urls")),
    path("language/<str:code>/", core_views.choose_language, name="choose_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# A refusal is a page in the person's language with the way to their own desk, never Django's bare 403.
handler403 = refusals.permission_denied

if settings.BENCHMARK_VIEWS:
    # The reference views ``make bench`` measures pages and presses against; never mounted unless asked.
    from bench import views as bench_views

    urlpatterns += [
        path("bench/bare/", bench_views.bare, name="bench-bare"),
        path("bench/claim/<int:place_id>/", bench_views.claim, name="bench-claim"),
    ]
