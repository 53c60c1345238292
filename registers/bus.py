"""The production adapter of the person register: a SOAP ``SendMessage`` through the integration bus.

The request is the bus's synchronous envelope as ``contract/bus.wsdl`` reads it:
``requestInfo`` (a fresh ``messageId``, the register's ``serviceId``, the
``messageDate``, the ``sender`` Kezek is registered as) and the person's IIN in
``requestData``. zeep builds and parses the XML from the WSDL, so what is sent
is what the schema says (``registers/tests/test_contract.py`` validates it).

The bus requires a signature by the state's crypto provider, which cannot be
shipped with Kezek: ``REGISTERS_SIGNER`` names a callable that takes the SOAP
envelope (an lxml element) and returns it signed. Without one the request goes
unsigned, which only development accepts (settings refuse production).

No answer within ``REGISTERS_TIMEOUT`` seconds, a fault, an HTTP error or an
answer outside the contract is ``RegisterUnavailable``; after one, the breaker
leaves the bus alone for ``REGISTERS_BREAKER_PAUSE`` seconds, so a page waits at
most one time-out per outage rather than one per request.
"""

import logging
import uuid
from functools import lru_cache
from pathlib import Path

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from zeep import Client
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.transports import Transport

from core import clock
from core.breaker import breaker_for

from .persons import Person, PersonNotFound, RegisterTimedOut, RegisterUnavailable

logger = logging.getLogger("kezek.registers")

CONTRACT = Path(__file__).resolve().parent / "contract"
WSDL = CONTRACT / "bus.wsdl"
NAMESPACE = "urn:kezek:registers:bus:v1"
BINDING = f"{{{NAMESPACE}}}SyncChannelBinding"
#: Status codes of ``responseInfo.status`` (bus.xsd).
FOUND, NOT_FOUND = "OK", "NOT_FOUND"


class Signature:
    """zeep's signing hook (its ``wsse`` plug-in) around the configured signer."""

    def __init__(self, sign):
        self.sign = sign

    def apply(self, envelope, headers):
        return self.sign(envelope), headers

    def verify(self, envelope):
        return envelope


def signature():
    """The configured signing step, or None: development sends unsigned requests."""
    return Signature(import_string(settings.REGISTERS_SIGNER)) if settings.REGISTERS_SIGNER else None


@lru_cache(maxsize=8)
def _client(timeout: float, signer: str) -> Client:
    """One parsed WSDL per process and configuration (parsing it costs more than a request).

    ``signer`` is the setting's value: it keys the cache, so a changed setting gets its own client.
    """
    return Client(str(WSDL), transport=Transport(operation_timeout=timeout), wsse=signature())


class BusPersonRegister:
    """Asks the person register through the bus (settings: REGISTERS_BUS_URL, _SERVICE_ID, _SENDER_*)."""

    def person(self, iin: str) -> Person:
        breaker = breaker_for(
            settings.REGISTERS_BUS_URL,
            name="the person register",
            logger=logger,
            pause=settings.REGISTERS_BREAKER_PAUSE,
        )
        if not breaker.allows():
            raise RegisterUnavailable("the bus failed a moment ago; not asked again yet")
        try:
            response = self._send(iin)
        except RegisterUnavailable as error:
            breaker.failed(error)
            raise
        breaker.succeeded()
        return _person_from(iin, response)

    def _send(self, iin: str):
        client = _client(settings.REGISTERS_TIMEOUT, settings.REGISTERS_SIGNER)
        service = client.create_service(BINDING, settings.REGISTERS_BUS_URL)
        try:
            return service.SendMessage(request=request_for(iin))
        except requests.Timeout as error:
            raise RegisterTimedOut(f"no answer within {settings.REGISTERS_TIMEOUT} s") from error
        except Fault as fault:
            raise RegisterUnavailable(f"bus fault {_fault_code(fault)}") from fault
        except (requests.RequestException, ZeepError) as error:
            raise RegisterUnavailable(f"bus error {error.__class__.__name__}") from error


def request_for(iin: str) -> dict:
    """The ``SendMessage`` request for one IIN: the envelope's header and the payload."""
    return {
        "requestInfo": {
            "messageId": str(uuid.uuid4()),
            "serviceId": settings.REGISTERS_SERVICE_ID,
            "messageDate": clock.now(),
            "sender": {
                "senderId": settings.REGISTERS_SENDER_ID,
                "password": settings.REGISTERS_SENDER_PASSWORD,
            },
        },
        "requestData": {"data": {"iin": iin}},
    }


def _person_from(iin: str, response) -> Person:
    """The register's answer as a ``Person``; ``PersonNotFound`` on NOT_FOUND; else outside the contract."""
    try:
        code = response.responseInfo.status.code
        data = response.responseData.data if response.responseData is not None else None
    except AttributeError as error:
        raise RegisterUnavailable("an answer outside the contract") from error
    if code == NOT_FOUND:
        raise PersonNotFound(iin)
    if code != FOUND or data is None or data.iin != iin:
        raise RegisterUnavailable(f"an answer outside the contract (status {code})")
    return Person(
        iin=data.iin,
        surname=data.surname,
        name=data.name,
        patronymic=data.patronymic or "",
        birth_date=data.birthDate,
        sex=data.sex,
        alive=data.deathDate is None,
        representatives=tuple(data.representatives.iin) if data.representatives else (),
    )


def _fault_code(fault: Fault) -> str:
    """The bus's error code from the fault's detail (SERVICE_UNAVAILABLE, ...), or its SOAP code."""
    if fault.detail is not None:
        code = fault.detail.find(f".//{{{NAMESPACE}}}code")
        if code is not None and code.text:
            return code.text
    return str(fault.code)
