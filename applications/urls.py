"""The parent's portal: the cabinet under /cabinet/ (signed in), and the public position check."""

from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/children/", views.children, name="children"),
    path("cabinet/notices/", views.move_notices, name="move_notices"),
    path("cabinet/apply/", views.apply, name="apply"),
    path("cabinet/applications/<str:number>/", views.detail, name="detail"),
    path("cabinet/applications/<str:number>/receipt/", views.receipt, name="receipt"),
    path(
        "cabinet/applications/<str:number>/queues/<str:kind>/history/",
        views.position_history,
        name="position_history",
    ),
    path("cabinet/applications/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "cabinet/applications/<str:number>/documents/<int:document_id>/",
        views.document,
        name="document",
    ),
    path("check/", views.check, name="check"),
]
