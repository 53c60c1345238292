"""Bulletin use cases: reports, drafts, publication, the August freeze, and a bulletin nobody can edit."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from accounts.tests.helpers import verified
from applications.errors import OutOfScope
from audit.models import AuditEvent
from bulletins import services, tasks
from bulletins.admin import BulletinAdmin, BulletinPlaceInline
from bulletins.choices import BulletinStatus, ReportState
from bulletins.errors import (
    AugustFreeze,
    BulletinPublished,
    EmptyBulletin,
    GroupOutsideDistrict,
    NotKindergartenStaff,
)
from bulletins.models import Bulletin, BulletinPlace
from bulletins.tests.factories import (
    ALMATY,
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    published_bulletin,
    queue_of,
)
from directory.choices import GroupLanguage, KindergartenKind
from directory.tests.factories import KindergartenFactory

pytestmark = pytest.mark.usefixtures("english")

NOW = MONDAY_14_DECEMBER


@pytest.fixture
def group(kindergarten_a):
    return group_in(kindergarten_a, language=GroupLanguage.RUSSIAN)


def test_kindergarten_staff_report_free_places_of_their_own_kindergarten(group, kindergarten_a):
    staff = kindergarten_staff(kindergarten_a)
    report = services.report_vacancy(group=group, places=2, actor=staff, now=NOW)
    assert (report.state, report.places, report.reported_by) == (ReportState.PENDING, 2, staff)
    assert AuditEvent.objects.filter(
        action="vacancy.reported", target_id=str(report.pk), actor=staff
    ).exists()


def test_nobody_but_that_kindergartens_staff_reports_its_places(group, settlement_a, specialist_a, superuser):
    staff_elsewhere = kindergarten_staff(KindergartenFactory(settlement=settlement_a))
    for actor in (staff_elsewhere, specialist_a, superuser):
        with pytest.raises(NotKindergartenStaff):
            services.report_vacancy(group=group, places=1, actor=actor, now=NOW)


def test_a_report_cannot_exceed_the_group(group, kindergarten_a):
    staff = kindergarten_staff(kindergarten_a)
    for places in (0, group.capacity + 1):
        with pytest.raises(ValidationError) as error:
            services.report_vacancy(group=group, places=places, actor=staff, now=NOW)
        assert "places" in error.value.message_dict


def test_reports_of_one_group_add_up_in_the_bulletin(group, kindergarten_a, specialist_a, district_a):
    staff = kindergarten_staff(kindergarten_a)
    first = services.report_vacancy(group=group, places=2, actor=staff, now=NOW)
    second = services.report_vacancy(group=group, places=1, actor=staff, now=NOW)
    bulletin = services.create_bulletin(district=district_a, actor=specialist_a, now=NOW)

    services.include_report(bulletin=bulletin, report=first, actor=specialist_a, now=NOW)
    place = services.include_report(bulletin=bulletin, report=second, actor=specialist_a, now=NOW)

    assert place.places == 3
    assert place.queue == queue_of(group)
    assert (place.kindergarten, place.language) == (kindergarten_a, GroupLanguage.RUSSIAN)
    first.refresh_from_db()
    assert (first.state, first.bulletin) == (ReportState.INCLUDED, bulletin)
    with pytest.raises(Exception, match="already been included"):
        services.include_report(bulletin=bulletin, report=first, actor=specialist_a, now=NOW)


def test_a_declined_report_says_why(group, kindergarten_a, specialist_a):
    report = services.report_vacancy(group=group, places=1, actor=kindergarten_staff(kindergarten_a), now=NOW)
    with pytest.raises(ValidationError):
        services.decline_report(report=report, actor=specialist_a, reason=" ", now=NOW)
    services.decline_report(report=report, actor=specialist_a, reason="The group is full.", now=NOW)
    report.refresh_from_db()
    assert (report.state, report.decline_reason) == (ReportState.DECLINED, "The group is full.")


def test_a_specialist_of_another_district_cannot_touch_the_bulletin(
    group, specialist_a, specialist_b, district_a
):
    with pytest.raises(OutOfScope):
        services.create_bulletin(district=district_a, actor=specialist_b, now=NOW)
    bulletin = services.create_bulletin(district=district_a, actor=specialist_a, now=NOW)
    with pytest.raises(OutOfScope):
        services.add_place(bulletin=bulletin, group=group, places=1, actor=specialist_b, now=NOW)
    services.add_place(bulletin=bulletin, group=group, places=1, actor=specialist_a, now=NOW)
    with pytest.raises(OutOfScope):
        services.publish_bulletin(bulletin=bulletin, actor=specialist_b, now=NOW)


def test_a_group_of_another_district_cannot_be_added(specialist_a, district_a, settlement_b):
    bulletin = services.create_bulletin(district=district_a, actor=specialist_a, now=NOW)
    foreign = group_in(KindergartenFactory(settlement=settlement_b))
    with pytest.raises(GroupOutsideDistrict):
        services.add_place(bulletin=bulletin, group=foreign, places=1, actor=specialist_a, now=NOW)


def test_each_group_lands_in_the_queue_of_its_settlement_birth_year_and_kind(kindergarten_a, specialist_a):
    special = group_in(kindergarten_a, birth_year=2021, kind=KindergartenKind.SPECIAL)
    bulletin = published_bulletin(specialist_a, {special: 2}, now=NOW)
    (place,) = bulletin.places.all()
    assert (place.queue.settlement, place.queue.birth_year, place.queue.kind) == (
        kindergarten_a.settlement,
        2021,
        KindergartenKind.SPECIAL,
    )


def test_publication_opens_a_window_of_three_working_days_over_independence_day(
    group, specialist_a, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(tasks.open_access, "apply_async", lambda args, *_, **__: enqueued.extend(args))
    with django_capture_on_commit_callbacks(execute=True):
        bulletin = published_bulletin(specialist_a, {group: 2}, now=NOW)

    # Tuesday 15, (16 is Independence Day), Thursday 17, Friday 18: the window ends at midnight after it.
    assert bulletin.priority_until == datetime.datetime(2026, 12, 19, 0, 0, tzinfo=ALMATY)
    assert (bulletin.status, bulletin.published_at, bulletin.published_by) == (
        BulletinStatus.PUBLISHED,
        NOW,
        specialist_a,
    )
    assert enqueued == [bulletin.pk]
    event = AuditEvent.objects.get(action="bulletin.published", target_id=str(bulletin.pk))
    assert event.details["places"] == 2


def test_the_window_skips_nauryz():
    friday = datetime.datetime(2026, 3, 20, 15, 0, tzinfo=ALMATY)
    # 21-25 March are weekend days and Nauryz holidays (with observed days): 26, 27 and 30 March count.
    assert services.priority_window_end(friday) == datetime.datetime(2026, 3, 31, 0, 0, tzinfo=ALMATY)


def test_a_published_bulletin_can_never_be_edited(group, kindergarten_a, specialist_a):
    bulletin = published_bulletin(specialist_a, {group: 2}, now=NOW)
    report = services.report_vacancy(group=group, places=1, actor=kindergarten_staff(kindergarten_a), now=NOW)
    with pytest.raises(BulletinPublished, match="publish a new bulletin"):
        services.add_place(bulletin=bulletin, group=group, places=1, actor=specialist_a, now=NOW)
    with pytest.raises(BulletinPublished):
        services.include_report(bulletin=bulletin, report=report, actor=specialist_a, now=NOW)
    with pytest.raises(BulletinPublished):
        services.publish_bulletin(bulletin=bulletin, actor=specialist_a, now=NOW)
    assert BulletinPlace.objects.get(bulletin=bulletin).places == 2


def test_an_empty_bulletin_is_not_published(specialist_a, district_a):
    bulletin = services.create_bulletin(district=district_a, actor=specialist_a, now=NOW)
    with pytest.raises(EmptyBulletin):
        services.publish_bulletin(bulletin=bulletin, actor=specialist_a, now=NOW)


@pytest.mark.parametrize("moment", [at(1, 0, 0, month=8), at(31, 23, 59, month=8)])
def test_no_bulletin_is_published_in_august(group, specialist_a, district_a, moment):
    bulletin = services.create_bulletin(district=district_a, actor=specialist_a, now=moment)
    services.add_place(bulletin=bulletin, group=group, places=1, actor=specialist_a, now=moment)
    with pytest.raises(AugustFreeze, match="From 1 to 31 August"):
        services.publish_bulletin(bulletin=bulletin, actor=specialist_a, now=moment)
    services.publish_bulletin(bulletin=bulletin, actor=specialist_a, now=at(1, 0, 0, month=9))


def test_the_august_freeze_is_a_setting(group, specialist_a, settings):
    settings.AUGUST_FREEZE = False
    bulletin = published_bulletin(specialist_a, {group: 1}, now=at(10, month=8))
    assert bulletin.is_published


def test_the_database_refuses_a_negative_or_over_given_place(group, specialist_a):
    bulletin = published_bulletin(specialist_a, {group: 2}, now=NOW)
    place = bulletin.places.get()
    for values in (
        {"taken": 3},
        {"taken": -1},
        {"withdrawn": -1},
        {"taken": 1, "withdrawn": 2},
        {"released": 1},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            BulletinPlace.objects.filter(pk=place.pk).update(**values)


def test_the_admin_refuses_to_change_a_published_bulletin_or_its_places(
    group, specialist_a, superuser, district_a
):
    draft = services.create_bulletin(district=district_a, actor=specialist_a, now=NOW)
    published = published_bulletin(specialist_a, {group: 1}, now=NOW)
    request = RequestFactory().get("/admin/")
    request.user = verified(superuser)

    class EditableBulletinAdmin(BulletinAdmin):
        read_only = False

    class EditablePlaceInline(BulletinPlaceInline):
        read_only = False

    bulletin_admin = EditableBulletinAdmin(Bulletin, admin.site)
    inline = EditablePlaceInline(Bulletin, admin.site)
    assert bulletin_admin.has_change_permission(request, draft)
    assert inline.has_add_permission(request, draft)
    assert not bulletin_admin.has_change_permission(request, published)
    assert not inline.has_add_permission(request, published)
    assert not inline.has_change_permission(request, published)
    # As registered, the change form edits nothing, superusers included: a draft grows only through
    # the services' own pages (bulletins/tests/test_admin.py).
    registered = BulletinAdmin(Bulletin, admin.site)
    assert not registered.has_change_permission(request, draft)
    assert not registered.has_change_permission(request, published)
