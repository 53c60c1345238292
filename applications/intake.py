"""One input mapper for an application, whichever channel brings it (RULES.md sections 1 and 6).

The portal's form, the paper form of the staff admin and the integration API
each check the shape of their own input (a Django form, a DRF serializer) and
then describe the application the same way: an ``ApplicationInput``, its child
and applicant read by ``child_from`` and ``applicant_from``, its documents by
``uploads``. ``submit`` turns it into the one service call. So the same input
gives the same child and the same application on every channel, and every rule
stays in ``services.submit_application``.
"""

import dataclasses
import datetime
from collections.abc import Mapping, Sequence

from directory.models import Kindergarten, Settlement

from . import services
from .choices import Channel
from .models import Application
from .services import ApplicantDetails, ChildDetails, DocumentUpload

CHILD_FIELDS = tuple(field.name for field in dataclasses.fields(ChildDetails))
APPLICANT_FIELDS = tuple(field.name for field in dataclasses.fields(ApplicantDetails))


@dataclasses.dataclass(frozen=True)
class ApplicationInput:
    """An application as a channel's form or serializer cleaned it, before any rule is checked."""

    child: ChildDetails
    applicant: ApplicantDetails
    relation: str
    settlement: Settlement
    preferred_language: str
    wants_special: bool = False
    wants_sanatorium: bool = False
    preferred_kindergartens: Sequence[Kindergarten] = ()
    documents: Sequence[DocumentUpload] = ()
    #: When a department or service centre received it on paper; the portal has none (the moment counts).
    received_at: datetime.datetime | None = None
    #: The consent form the applicant signed with a paper application; on the portal, given at sign-up.
    consent_version: str = ""


def submit(intake: ApplicationInput, *, channel: Channel, actor) -> Application:
    """Register the application through ``services.submit_application``: the one call of every channel."""
    return services.submit_application(
        **{field.name: getattr(intake, field.name) for field in dataclasses.fields(intake)},
        channel=channel,
        actor=actor,
    )


def child_from(source, *, prefix: str = "") -> ChildDetails:
    """The child's details from a ``Child`` or from cleaned data (keys ``<prefix><field>``)."""
    return ChildDetails(**_read(source, CHILD_FIELDS, prefix))


def applicant_from(source, *, prefix: str = "") -> ApplicantDetails:
    """The applicant's details from an ``Applicant`` or from cleaned data (keys ``<prefix><field>``)."""
    return ApplicantDetails(**_read(source, APPLICANT_FIELDS, prefix))


def uploads(*documents: tuple[str, object, datetime.date | None]) -> list[DocumentUpload]:
    """The documents given, each as (category, file, issued on); one without a file was not given."""
    return [
        DocumentUpload(category=category, file=file, issued_on=issued_on)
        for category, file, issued_on in documents
        if file
    ]


def _read(source, names: Sequence[str], prefix: str) -> dict:
    if isinstance(source, Mapping):
        return {name: source[prefix + name] for name in names}
    return {name: getattr(source, prefix + name) for name in names}
