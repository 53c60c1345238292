"""The requests zeep sends are valid against the bus envelope's schema kept in the repository."""

import datetime

import pytest
from lxml import etree

from registers import persons
from registers.bus import CONTRACT, NAMESPACE

from .people import a_person

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
SCHEMA = etree.XMLSchema(etree.parse(str(CONTRACT / "bus.xsd")))


def _sent(fake_bus) -> etree._Element:
    return etree.fromstring(fake_bus.received[-1])


def test_the_request_is_a_send_message_the_schema_accepts(fake_bus, person_register, settings):
    settings.REGISTERS_SERVICE_ID, settings.REGISTERS_SENDER_ID = "GBDFL_TEST", "kezek-test"
    child = a_person()
    person_register.add(child)

    persons.person(child.iin, reason="test")

    body = _sent(fake_bus).find(f"{SOAP}Body")
    message = body[0]
    SCHEMA.assertValid(message)
    info = f"{{{NAMESPACE}}}request/{{{NAMESPACE}}}requestInfo/{{{NAMESPACE}}}"
    assert message.findtext(info + "serviceId") == "GBDFL_TEST"
    assert message.findtext(info + "sender/{%s}senderId" % NAMESPACE) == "kezek-test"
    assert datetime.datetime.fromisoformat(message.findtext(info + "messageDate"))
    assert (
        message.findtext(f".//{{{NAMESPACE}}}requestData/{{{NAMESPACE}}}data/{{{NAMESPACE}}}iin") == child.iin
    )


def test_every_request_has_its_own_message_id(fake_bus, person_register):
    child = a_person()
    person_register.add(child)

    persons.person(child.iin, reason="test")
    persons.person(child.iin, reason="test")

    ids = {etree.fromstring(body).findtext(f".//{{{NAMESPACE}}}messageId") for body in fake_bus.received}
    assert len(ids) == 2


def test_the_schema_refuses_a_request_without_its_header():
    broken = etree.fromstring(
        f'<SendMessage xmlns="{NAMESPACE}"><request><requestData><data><iin>220412500019</iin></data>'
        "</requestData></request></SendMessage>"
    )
    with pytest.raises(etree.DocumentInvalid):
        SCHEMA.assertValid(broken)


def sign_for_test(envelope):
    """A stand-in for the crypto provider: marks the envelope's header as signed."""
    header = envelope.find(f"{SOAP}Header")
    if header is None:
        header = etree.Element(f"{SOAP}Header")
        envelope.insert(0, header)
    etree.SubElement(header, "{urn:test}Signature").text = "signed"
    return envelope


def test_the_configured_signer_signs_every_request(fake_bus, person_register, settings):
    settings.REGISTERS_SIGNER = "registers.tests.test_contract.sign_for_test"
    child = a_person()
    person_register.add(child)

    persons.person(child.iin, reason="test")

    assert _sent(fake_bus).findtext(f"{SOAP}Header/{{urn:test}}Signature") == "signed"
    SCHEMA.assertValid(_sent(fake_bus).find(f"{SOAP}Body")[0])
