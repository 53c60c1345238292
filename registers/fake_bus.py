"""The development fake of the integration bus: a small SOAP service answering as the person register.

A WSGI application (``FakeBus``) that the tests start on loopback
(``serve_on_loopback``) and that speaks the contract of ``contract/bus.wsdl``:
it reads ``SendMessage``, answers from the fake's records
(``persons.fake_person``, the same file ``FakePersonRegister`` reads), and has
the bus's error shapes: person not found (status NOT_FOUND), service
unavailable (a SOAP fault with code SERVICE_UNAVAILABLE, HTTP 500), and a
time-out (``delay`` seconds before answering). It keeps every request body it
received, for the contract test.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree
from lxml.builder import ElementMaker

from core import clock

from .bus import FOUND, NAMESPACE, NOT_FOUND
from .persons import Person, fake_person

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
S = ElementMaker(namespace=SOAP, nsmap={"soap": SOAP})
B = ElementMaker(namespace=NAMESPACE, nsmap={"bus": NAMESPACE})
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class FakeBus:
    """The WSGI application; a test sets ``unavailable`` or ``delay`` to play a bad day."""

    def __init__(self):
        self.unavailable = False
        self.delay = 0.0
        self.received: list[bytes] = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.received.append(body)
        if self.delay:
            time.sleep(self.delay)
        if self.unavailable:
            status, answer = (
                "500 Internal Server Error",
                _fault(SERVICE_UNAVAILABLE, "The register is not answering"),
            )
        else:
            status, answer = "200 OK", _answer(body)
        payload = etree.tostring(answer, xml_declaration=True, encoding="utf-8")
        start_response(
            status, [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(payload)))]
        )
        return [payload]


def _answer(body: bytes):
    request = etree.fromstring(body)
    message_id = request.findtext(f".//{{{NAMESPACE}}}messageId")
    iin = request.findtext(f".//{{{NAMESPACE}}}requestData/{{{NAMESPACE}}}data/{{{NAMESPACE}}}iin")
    if message_id is None or iin is None:
        return _fault("BAD_REQUEST", "requestInfo.messageId and requestData.data.iin are required")
    found = fake_person(iin)
    status = B.status(B.code(FOUND if found else NOT_FOUND))
    data = [_person(found)] if found else []
    return S.Envelope(
        S.Body(
            B.SendMessageResponse(
                B.response(
                    B.responseInfo(B.messageId(message_id), B.responseDate(clock.now().isoformat()), status),
                    B.responseData(*data),
                )
            )
        )
    )


def _person(person: Person):
    fields = [B.iin(person.iin), B.surname(person.surname), B.name(person.name)]
    if person.patronymic:
        fields.append(B.patronymic(person.patronymic))
    fields += [B.birthDate(person.birth_date.isoformat()), B.sex(person.sex)]
    if not person.alive:
        fields.append(B.deathDate(person.birth_date.isoformat()))  # the fake knows no date of death
    fields.append(B.representatives(*[B.iin(iin) for iin in person.representatives]))
    return B.data(*fields)


def _fault(code: str, message: str):
    """A SOAP 1.1 fault whose detail is the bus's ``SendMessageFault`` (code and words)."""
    fault = S.Fault()
    etree.SubElement(fault, "faultcode").text = "soap:Server"
    etree.SubElement(fault, "faultstring").text = message
    etree.SubElement(fault, "detail").append(B.SendMessageFault(B.code(code), B.message(message)))
    return S.Envelope(S.Body(fault))


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        """Quiet: IINs never reach a log."""


@contextmanager
def serve_on_loopback(bus: FakeBus) -> Iterator[str]:
    """Serve ``bus`` on 127.0.0.1 (a free port) while the block runs; yields its URL."""
    server = make_server("127.0.0.1", 0, bus, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/SyncChannel"
    finally:
        server.shutdown()
        server.server_close()
