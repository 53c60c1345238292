"""``/api/v1/``: the integration API and its OpenAPI schema and reference page."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

# ReDoc injects its styles inline and searches in a worker made from a blob: this public
# page without personal data allows those two, and nothing else.
REDOC_POLICY = {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}

urlpatterns = [
    path("applications/", views.ApplicationSubmitView.as_view(), name="api-application-submit"),
    path("lookup/", views.LookupView.as_view(), name="api-lookup"),
    path(
        "queues/<str:settlement_kato>/<int:birth_year>/<str:kind>/",
        views.QueuePageView.as_view(),
        name="api-queue-page",
    ),
    path("bulletins/", views.BulletinListView.as_view(), name="api-bulletins"),
    path("public/bulletins/", views.PublicBulletinListView.as_view(), name="api-public-bulletins"),
    path(
        "statistics/<str:settlement_kato>/<int:birth_year>/",
        views.StatisticsView.as_view(),
        name="api-statistics",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "redoc/",
        csp_replace(REDOC_POLICY)(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
]
