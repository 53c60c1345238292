"""Public pages of bulletins: published bulletins, statistics, open data, the log of openings (issue 13)."""

from django.urls import path, re_path

from . import pages, views

app_name = "bulletins"

urlpatterns = [
    path("bulletins/", pages.bulletins, name="public"),
    re_path(
        r"^bulletins/settlements/(?P<kato_code>\d{9})/$", pages.settlement_bulletins, name="public_settlement"
    ),
    path("statistics/", pages.statistics_index, name="statistics"),
    re_path(r"^statistics/(?P<kato_code>\d{9})/$", pages.settlement_statistics, name="settlement_statistics"),
    re_path(
        r"^statistics/(?P<kato_code>\d{9})/(?P<birth_year>\d{4})/(?P<kind>[a-z]+)/$",
        pages.queue_statistics,
        name="queue_statistics",
    ),
    path("open-data/", pages.open_data, name="open_data"),
    re_path(
        r"^open-data/(?P<kato_code>\d{9})/(?P<dataset>applications|places)\.(?P<fmt>csv|json)$",
        pages.open_data_file,
        name="open_data_file",
    ),
    path("openings/", views.opening_list, name="openings"),
    path("openings/feed.json", views.opening_feed, name="openings_feed"),
    path("openings/<int:seq>/", views.opening_detail, name="opening"),
]
