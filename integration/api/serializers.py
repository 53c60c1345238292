"""The shapes of the API's requests and answers. Thin: the rules live in the use cases."""

import base64
import binascii

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.forms import CONSENT_VERSION
from applications.choices import BenefitCategory, Relation, Status, Verification
from core.iin import IIN_PATTERN, Sex
from directory.choices import GroupLanguage, KindergartenKind
from placements.choices import ReferralStatus


def iin_field(**kwargs) -> serializers.RegexField:
    """An IIN whose schema carries the pattern of ``core.iin``: clients learn the rule from the contract."""
    return serializers.RegexField(
        IIN_PATTERN,
        error_messages={
            "invalid": _(
                "An IIN is 12 digits: the birth date (YYMMDD), a 7th digit from 1 to 6 (century and sex), "
                "a serial and a check digit."
            )
        },
        **kwargs,
    )


class ChildSerializer(serializers.Serializer):
    iin = iin_field()
    surname = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=100)
    patronymic = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)


class ApplicantSerializer(serializers.Serializer):
    iin = iin_field()
    surname = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=100)
    patronymic = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    relation = serializers.ChoiceField(choices=Relation.choices)
    phone = serializers.RegexField(r"^\+7\d{10}$")
    phone2 = serializers.RegexField(r"^\+7\d{10}$", required=False, default="", allow_blank=True)
    email = serializers.EmailField(required=False, default="", allow_blank=True)


class DocumentSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=BenefitCategory.choices)
    issued_on = serializers.DateField()
    file_name = serializers.RegexField(r"^[\w\-. ]{1,100}\.(pdf|png|jpe?g)$", help_text="certificate.pdf")
    content = serializers.CharField(help_text="The file, base64-encoded (PDF, JPEG or PNG).")

    def validate_content(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("Send the file base64-encoded.")) from None

    def to_upload(self, data: dict) -> SimpleUploadedFile:
        return SimpleUploadedFile(data["file_name"], data["content"])


class SubmissionSerializer(serializers.Serializer):
    child = ChildSerializer()
    applicant = ApplicantSerializer()
    settlement = serializers.RegexField(r"^\d{9}$", help_text="The settlement's KATO code.")
    queue_kinds = serializers.MultipleChoiceField(
        choices=KindergartenKind.choices,
        default=[KindergartenKind.GENERAL],
        help_text="The general queue is always included; special and sanatorium need a PMPK conclusion.",
    )
    language = serializers.ChoiceField(choices=GroupLanguage.choices)
    documents = DocumentSerializer(many=True, required=False, default=list)
    received_at = serializers.DateTimeField(
        help_text="When the service centre or department received the application; it decides the order."
    )
    consent_version = serializers.ChoiceField(
        choices=[CONSENT_VERSION],
        help_text=(
            "The version of the personal-data consent form the applicant signed with the application, "
            "kept by the service centre or department. Without it nothing is registered."
        ),
    )


class PositionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KindergartenKind.choices)
    birth_year = serializers.IntegerField()
    settlement = serializers.CharField(help_text="KATO code")
    position = serializers.IntegerField()
    total = serializers.IntegerField()
    benefit_class = serializers.CharField()


class HistoryDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day (Asia/Almaty).")
    position_before = serializers.IntegerField(
        allow_null=True, help_text="The position when the day began; null if the application joined that day."
    )
    position_after = serializers.IntegerField(
        allow_null=True, help_text="The position when the day ended; null if the application left that day."
    )
    summary = serializers.CharField(help_text="The day's move in one sentence, in the requested language.")
    changes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why: the application's own events, then one sentence per cause with its count.",
    )


class HistoryTotalsSerializer(serializers.Serializer):
    closer = serializers.IntegerField(help_text="Applications ahead that left or fell behind.")
    further = serializers.IntegerField(help_text="Applications that came to stand ahead.")
    summary = serializers.ListField(child=serializers.CharField())


class PositionHistorySerializer(serializers.Serializer):
    days = HistoryDaySerializer(
        many=True, help_text="The latest days with a change in the last 30 days (at most 5), newest first."
    )
    more_days = serializers.IntegerField(
        help_text="How many earlier days with a change in the last 30 days are not listed."
    )
    complete = serializers.BooleanField(
        help_text="False when the application joined before the last 30 days: its whole history holds more."
    )
    last_30_days = HistoryTotalsSerializer()


class WaitEstimateSerializer(serializers.Serializer):
    enough_history = serializers.BooleanField(
        help_text="False: the queue's history is too short to estimate; the months are then null."
    )
    places_given = serializers.IntegerField(help_text="Places given in this queue over the last 12 months.")
    low_months = serializers.IntegerField(
        allow_null=True, help_text="Access likely to open no sooner than this many months from now."
    )
    high_months = serializers.IntegerField(
        allow_null=True,
        help_text="... and no later than this many; null when that lies past the 8 years simulated.",
    )
    ages_out_on = serializers.DateField(
        allow_null=True, help_text="The day the child ages out of the queue; null when exempt (PMPK)."
    )
    past_ageing_out = serializers.BooleanField(help_text="The range reaches past ``ages_out_on``.")
    summary = serializers.CharField(help_text="The estimate in one sentence, in the requested language.")
    warning = serializers.CharField(
        allow_blank=True, help_text="The ageing-out warning, in the requested language; empty when none."
    )


class ExplainedPositionSerializer(PositionSerializer):
    explanation = serializers.ListField(child=serializers.CharField())
    history = PositionHistorySerializer(help_text="How the position moved in this queue, and why.")
    estimate = WaitEstimateSerializer(
        help_text="When access is likely to open: the middle half of outcomes simulated from the queue's "
        "own last 12 months (docs/estimates.md)."
    )


class SubmissionResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    positions = PositionSerializer(many=True)


class LookupSerializer(serializers.Serializer):
    iin = iin_field(required=False, help_text="The child's IIN.")
    number = serializers.RegexField(r"^[\d-]{10,12}$", required=False, help_text="The application number.")
    reason = serializers.CharField(
        min_length=3, max_length=200, help_text="Why the look-up is made; kept in the audit trail."
    )

    def validate(self, attrs):
        if bool(attrs.get("iin")) == bool(attrs.get("number")):
            raise serializers.ValidationError(_("Give either the child's IIN or the application number."))
        if attrs.get("number"):
            attrs["number"] = attrs["number"].replace("-", "")
        return attrs


class BenefitStateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=BenefitCategory.choices)
    verification = serializers.ChoiceField(choices=Verification.choices)
    valid_until = serializers.DateField(allow_null=True)
    rejection_reason = serializers.CharField(
        allow_blank=True, help_text="Why a specialist rejected the document; empty unless rejected."
    )


class AccessSerializer(serializers.Serializer):
    bulletin = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=KindergartenKind.choices)
    ends_at = serializers.DateTimeField()


class ReferralSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    kindergarten = serializers.CharField()
    group = serializers.CharField()
    valid_until = serializers.DateField()


class LookupResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    status_reason = serializers.CharField(
        allow_blank=True, help_text="Why the status is what it is, if said."
    )
    submitted_at = serializers.DateTimeField()
    settlement = serializers.CharField(help_text="KATO code")
    queues = ExplainedPositionSerializer(many=True)
    benefits = BenefitStateSerializer(many=True)
    open_accesses = AccessSerializer(many=True)
    referral = ReferralSerializer(allow_null=True)


class QueuePageQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class QueueRowSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    number = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    benefit_class = serializers.CharField()


class QueueTotalsSerializer(serializers.Serializer):
    out_of_turn = serializers.IntegerField()
    first_turn = serializers.IntegerField()
    general = serializers.IntegerField()
    total = serializers.IntegerField()


class QueuePageSerializer(serializers.Serializer):
    settlement = serializers.CharField()
    birth_year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=KindergartenKind.choices)
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    totals = QueueTotalsSerializer()
    results = QueueRowSerializer(many=True)


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class BulletinQuerySerializer(serializers.Serializer):
    settlement = serializers.RegexField(r"^\d{9}$", help_text="The settlement's KATO code.")
    offset = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class BulletinPlaceSerializer(serializers.Serializer):
    kindergarten = serializers.CharField(help_text="In Russian when asked for, else in Kazakh.")
    address = serializers.CharField()
    group = serializers.CharField()
    birth_year = serializers.IntegerField()
    language = serializers.ChoiceField(choices=GroupLanguage.choices)
    kind = serializers.ChoiceField(choices=KindergartenKind.choices)
    places = serializers.IntegerField(help_text="Places published in the bulletin.")
    free = serializers.IntegerField(help_text="Places still free: neither taken nor withdrawn.")


class BulletinSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    priority_until = serializers.DateTimeField(
        help_text="Until then only applicants with priority access may take a place."
    )
    places = BulletinPlaceSerializer(many=True, help_text="The bulletin's places in this settlement.")


class BulletinListSerializer(serializers.Serializer):
    settlement = serializers.CharField(help_text="KATO code")
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Published bulletins with places in this settlement.")
    results = BulletinSerializer(many=True, help_text="Newest first.")


class KindStatisticsSerializer(QueueTotalsSerializer):
    kind = serializers.ChoiceField(choices=KindergartenKind.choices)
    places_given = serializers.IntegerField(
        help_text="Referrals issued in this queue in the last 12 months, any status but cancelled."
    )


class StatisticsSerializer(serializers.Serializer):
    settlement = serializers.CharField(help_text="KATO code")
    birth_year = serializers.IntegerField()
    places_given_since = serializers.DateTimeField(help_text="The start of the last 12 months.")
    places_given = serializers.IntegerField(help_text="Referrals issued since then, all kinds together.")
    queues = KindStatisticsSerializer(many=True, help_text="One row per kind: general, special, sanatorium.")
