"""The integration API (issue 5): submit, look up, read a queue. Thin views over the use cases.

Nothing here computes a position: every position and explanation comes from
``queues.selectors`` and ``queues.explanation``. No endpoint takes a referral or
changes a submission time (issue 5, item 7).
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Action
from applications import register_checks
from applications.choices import Channel
from applications.intake import ApplicationInput, applicant_from, child_from, uploads
from applications.models import Application
from audit.services import record
from audit.vocabulary import AuditAction
from bulletins.choices import BulletinStatus
from bulletins.models import Bulletin, BulletinPlace
from core import clock
from core.dates import shift_months
from directory.choices import KindergartenKind
from directory.models import Settlement
from placements.choices import ReferralStatus
from placements.models import Referral
from queues.choices import BenefitClass
from queues.models import Queue
from queues.ordering import ClassSizes
from queues.selectors import class_sizes, positions_of_application, queue_page

from ..choices import TokenRole
from ..identity import ServiceIdentity
from ..models import IdempotentResponse
from ..selectors import find_application, lookup_answer, position_data
from . import serializers
from .authentication import BearerTokenAuthentication, StaffSessionAuthentication
from .exceptions import IdempotencyKeyReused, api_exception_handler
from .permissions import MayLookUp, MayReadQueues, MayReadStatistics, MaySubmit
from .throttling import AddressRateThrottle, TokenRateThrottle

API_LANGUAGES = ("kk", "ru", "en")
CHANNEL_OF_ROLE = {TokenRole.GOV_CORP: Channel.GOV_CORP, TokenRole.DEPARTMENT: Channel.EDUCATION_DEPARTMENT}
ERRORS = {code: serializers.ErrorSerializer for code in (400, 401, 403, 404, 409, 415, 429)}
PUBLIC_ERRORS = {code: serializers.ErrorSerializer for code in (400, 404, 429)}


def api_language(request) -> str:
    """Kazakh or Russian as the client asks; English when it asks for neither (issue 5, item 6)."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        primary = code.split("-")[0].lower()
        if primary in API_LANGUAGES:
            return primary
    return "en"


class IntegrationView(APIView):
    authentication_classes = [BearerTokenAuthentication, StaffSessionAuthentication]
    throttle_classes = [AddressRateThrottle, TokenRateThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return api_exception_handler

    def dispatch(self, request, *args, **kwargs):
        language = api_language(request)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    def initial(self, request, *args, **kwargs):
        """As DRF's, but throttles first: the address limit must also slow down guessed tokens."""
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        request.version, request.versioning_scheme = self.determine_version(request, *args, **kwargs)
        self.check_throttles(request)
        self.perform_authentication(request)
        self.check_permissions(request)


class ApplicationSubmitView(IntegrationView):
    permission_classes = [MaySubmit]

    @extend_schema(
        operation_id="submit_application",
        auth=[{"bearerAuth": []}],  # systems only: staff sessions may not submit
        summary="Submit an application received by a service centre or a department",
        description=(
            "The child is checked against the state person register (ГБД ФЛ) before the application "
            "is registered. A definite contradiction is refused with 400 and one of these codes, the "
            "message in the language of Accept-Language: `not_in_register` (the register has no living "
            "child with this IIN), `not_representative` (the register does not name the applicant as "
            "the child's parent or guardian: the applicant may apply on paper at the education "
            "department), `register_contradicts` (the child's surname, name, patronymic, birth date or "
            "sex differ from the register: the message names the fields, never the register's values). "
            "When the register does not answer within its time-out, the application is registered "
            "awaiting the register's check, with its submission time kept; a later definite "
            "contradiction withdraws it and the applicant is told by SMS."
        ),
        request=serializers.SubmissionSerializer,
        responses={201: serializers.SubmissionResultSerializer, **ERRORS},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="A retry with the same key returns the first response and creates nothing.",
            )
        ],
    )
    def post(self, request):
        data = request.data
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": [_("Send an Idempotency-Key header.")]})
        organisation = request.user.organisation
        request_hash = hashlib.sha256(
            json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()
        ).hexdigest()
        stored = IdempotentResponse.objects.filter(organisation=organisation, key=key).first()
        if stored is not None:
            return self._replay(stored, request_hash)
        serializer = serializers.SubmissionSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        application = self._intake(serializer)
        # Asked before the transaction: a refusal keeps the audit event of the request.
        comparison = register_checks.compare_for_api(application, actor=request.user.service_user)
        try:
            with transaction.atomic():
                body = self._submit(request.user, application, comparison)
                IdempotentResponse.objects.create(
                    organisation=organisation,
                    key=key,
                    request_hash=request_hash,
                    status_code=status.HTTP_201_CREATED,
                    body=body,
                    created_at=clock.now(),
                )
        except IntegrityError:
            stored = IdempotentResponse.objects.filter(organisation=organisation, key=key).first()
            if stored is None:
                raise
            return self._replay(stored, request_hash)
        return Response(body, status=status.HTTP_201_CREATED)

    def _replay(self, stored: IdempotentResponse, request_hash: str) -> Response:
        if stored.request_hash != request_hash:
            raise IdempotencyKeyReused()
        return Response(stored.body, status=stored.status_code, headers={"Idempotent-Replayed": "true"})

    def _intake(self, serializer) -> ApplicationInput:
        data = serializer.validated_data
        settlement = Settlement.objects.filter(kato_code=data["settlement"]).first()
        if settlement is None:
            raise exceptions.ValidationError({"settlement": [_("No settlement has this KATO code.")]})
        document_serializer = serializers.DocumentSerializer()
        return ApplicationInput(
            child=child_from(data["child"]),
            applicant=applicant_from(data["applicant"]),
            relation=data["applicant"]["relation"],
            settlement=settlement,
            preferred_language=data["language"],
            wants_special=KindergartenKind.SPECIAL in data["queue_kinds"],
            wants_sanatorium=KindergartenKind.SANATORIUM in data["queue_kinds"],
            documents=uploads(
                *(
                    (document["category"], document_serializer.to_upload(document), document["issued_on"])
                    for document in data["documents"]
                )
            ),
            received_at=data["received_at"],
            consent_version=data["consent_version"],
        )

    def _submit(self, identity, intake: ApplicationInput, comparison) -> dict:
        application = register_checks.submit_compared(
            intake,
            comparison,
            channel=CHANNEL_OF_ROLE[identity.role],
            actor=identity.service_user,
            decides=True,
        )
        result = {
            "number": application.number,
            "submitted_at": application.submitted_at,
            "positions": [position_data(position) for position in positions_of_application(application.pk)],
        }
        return json.loads(json.dumps(serializers.SubmissionResultSerializer(result).data))


class LookupView(IntegrationView):
    """A look-up by the child's IIN or the application number, in the body: never an IIN in a URL."""

    permission_classes = [MayLookUp]

    @extend_schema(
        operation_id="look_up_application",
        summary="Look up an application: status, positions with their explanation, benefits, access",
        request=serializers.LookupSerializer,
        responses={200: serializers.LookupResultSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = serializers.LookupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        identity = request.user
        by = "number" if data.get("number") else "iin"
        application = find_application(identity, iin=data.get("iin"), number=data.get("number"))
        if isinstance(identity, ServiceIdentity):
            details = {
                "organisation": identity.organisation.pk,
                "organisation_name": identity.organisation.name,
                "token": identity.token.prefix,
                "reason": data["reason"],
                "by": by,
            }
            not_found_target = identity.organisation
        else:  # staff signed in: audited with the user as actor, as the desk does
            details = {"reason": data["reason"], "channel": "api_session", "by": by}
            not_found_target = identity.service_user
        if application is None:
            record(
                action=AuditAction.APPLICATION_LOOKUP_NOT_FOUND,
                target=not_found_target,
                actor=identity.service_user,
                details=details,
            )
            raise exceptions.NotFound(_("No application found within your reach."))
        record(
            action=AuditAction.APPLICATION_LOOKED_UP,
            target=application,
            actor=identity.service_user,
            details=details,
        )
        return Response(serializers.LookupResultSerializer(lookup_answer(application)).data)


class QueuePageView(IntegrationView):
    permission_classes = [MayReadQueues]

    @extend_schema(
        operation_id="queue_page",
        summary="A page of one queue in order, with positions and totals by class",
        parameters=[serializers.QueuePageQuerySerializer],
        responses={200: serializers.QueuePageSerializer, **ERRORS},
    )
    def get(self, request, settlement_kato: str, birth_year: int, kind: str):
        query = serializers.QueuePageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        offset, limit = query.validated_data["offset"], query.validated_data["limit"]
        settlement = (
            Settlement.objects.restrict(request.user, Action.VIEW).filter(kato_code=settlement_kato).first()
        )
        if settlement is None or kind not in KindergartenKind.values:
            raise exceptions.NotFound()
        queue = Queue.objects.filter(settlement=settlement, birth_year=birth_year, kind=kind).first()
        if queue is None:
            raise exceptions.NotFound()
        rows = queue_page(queue, offset=offset, limit=limit)
        numbers = dict(
            Application.objects.filter(pk__in=[row.entry.application_id for row in rows]).values_list(
                "pk", "number"
            )
        )
        sizes = class_sizes(queue.pk)
        page = {
            "settlement": settlement.kato_code,
            "birth_year": birth_year,
            "kind": kind,
            "offset": offset,
            "limit": limit,
            "totals": {
                "out_of_turn": sizes.out_of_turn,
                "first_turn": sizes.first_turn,
                "general": sizes.general,
                "total": sizes.total,
            },
            "results": [
                {
                    "position": row.position,
                    "number": numbers[row.entry.application_id],
                    "submitted_at": row.entry.submitted_at,
                    "benefit_class": BenefitClass(row.entry.benefit_class).name.lower(),
                }
                for row in rows
            ],
        }
        return Response(serializers.QueuePageSerializer(page).data)


def _totals(sizes) -> dict:
    return {
        "out_of_turn": sizes.out_of_turn,
        "first_turn": sizes.first_turn,
        "general": sizes.general,
        "total": sizes.total,
    }


def _bulletin_page(settlement: Settlement, *, offset: int, limit: int) -> dict:
    """Published bulletins with places in the settlement, newest first, each with those places.

    Two queries whatever the page: the bulletins, then their places in the settlement.
    Places carry no child, so the same answer serves departments and public display.
    """
    bulletins = (
        Bulletin.objects.filter(status=BulletinStatus.PUBLISHED, places__queue__settlement=settlement)
        .distinct()
        .order_by("-published_at", "-pk")
    )
    total = bulletins.count()
    page = list(bulletins[offset : offset + limit])
    places: dict[int, list[dict]] = {bulletin.pk: [] for bulletin in page}
    rows = (
        BulletinPlace.objects.filter(bulletin__in=page, queue__settlement=settlement)
        .select_related("group__kindergarten", "queue")
        .order_by("group__kindergarten__name_kk", "group__name", "pk")
    )
    for place in rows:
        places[place.bulletin_id].append(
            {
                "kindergarten": place.kindergarten.name,
                "address": place.kindergarten.address,
                "group": place.group.name,
                "birth_year": place.queue.birth_year,
                "language": place.language,
                "kind": place.queue.kind,
                "places": place.places,
                "free": place.free,
            }
        )
    return {
        "settlement": settlement.kato_code,
        "offset": offset,
        "limit": limit,
        "total": total,
        "results": [
            {
                "id": bulletin.pk,
                "published_at": bulletin.published_at,
                "priority_until": bulletin.priority_until,
                "places": places[bulletin.pk],
            }
            for bulletin in page
        ],
    }


class BulletinListView(IntegrationView):
    """Published bulletins of a settlement for a department (its own districts) or the call centre."""

    permission_classes = [MayReadQueues]

    def settlements(self, request):
        return Settlement.objects.restrict(request.user, Action.VIEW)

    @extend_schema(
        operation_id="list_bulletins",
        summary="Published bulletins of a settlement with their places and free counts",
        parameters=[serializers.BulletinQuerySerializer],
        responses={200: serializers.BulletinListSerializer, **ERRORS},
    )
    def get(self, request):
        query = serializers.BulletinQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        settlement = self.settlements(request).filter(kato_code=data["settlement"]).first()
        if settlement is None:
            raise exceptions.NotFound()
        page = _bulletin_page(settlement, offset=data["offset"], limit=data["limit"])
        return Response(serializers.BulletinListSerializer(page).data)


class PublicBulletinListView(BulletinListView):
    """The same list for public display: no token, throttled per address; places carry no child."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AddressRateThrottle]

    def settlements(self, request):
        return Settlement.objects.all()

    @extend_schema(
        operation_id="list_public_bulletins",
        summary="Published bulletins of a settlement for public display (no authentication)",
        parameters=[serializers.BulletinQuerySerializer],
        responses={200: serializers.BulletinListSerializer, **PUBLIC_ERRORS},
        auth=[],
    )
    def get(self, request):
        return super().get(request)


class StatisticsView(IntegrationView):
    """Queue length by class and places given in the last 12 months, for dashboards."""

    permission_classes = [MayReadStatistics]

    @extend_schema(
        operation_id="statistics",
        summary="Queue length by class for each kind and places given in the last 12 months",
        responses={200: serializers.StatisticsSerializer, **ERRORS},
    )
    def get(self, request, settlement_kato: str, birth_year: int):
        settlement = (
            Settlement.objects.restrict(request.user, Action.VIEW).filter(kato_code=settlement_kato).first()
        )
        if settlement is None:
            raise exceptions.NotFound()
        since = shift_months(clock.now(), -12)
        queues = dict(
            Queue.objects.filter(settlement=settlement, birth_year=birth_year).values_list("kind", "pk")
        )
        given = dict(
            Referral.objects.filter(
                place__queue__settlement=settlement, place__queue__birth_year=birth_year, issued_at__gte=since
            )
            .exclude(status__in=[ReferralStatus.CANCELLED, ReferralStatus.DECLINED])
            .values_list("place__queue__kind")
            .annotate(n=Count("id"))
            .values_list("place__queue__kind", "n")
            .order_by()
        )
        rows = []
        for kind in KindergartenKind.values:
            sizes = class_sizes(queues[kind]) if kind in queues else ClassSizes(0, 0, 0)
            rows.append({"kind": kind, **_totals(sizes), "places_given": given.get(kind, 0)})
        statistics = {
            "settlement": settlement.kato_code,
            "birth_year": birth_year,
            "places_given_since": since,
            "places_given": sum(given.values()),
            "queues": rows,
        }
        return Response(serializers.StatisticsSerializer(statistics).data)
