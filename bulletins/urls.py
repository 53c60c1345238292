"""Public pages of bulletins: the log of openings (issue 13)."""

from django.urls import path

from . import views

app_name = "bulletins"

urlpatterns = [
    path("openings/", views.opening_list, name="openings"),
    path("openings/feed.json", views.opening_feed, name="openings_feed"),
    path("openings/<int:seq>/", views.opening_detail, name="opening"),
]
