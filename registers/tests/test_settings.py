"""Production refuses to start the bus adapter without a signing step: the bus takes only signed requests."""

from core.tests.production import run

START = ["-c", "import django; django.setup()"]
BUS = {"REGISTERS_BACKEND": "registers.bus.BusPersonRegister", "REGISTERS_BUS_URL": "https://bus.invalid/"}


def test_production_without_a_signer_refuses_to_start():
    started = run(START, **BUS)

    assert started.returncode != 0
    assert "REGISTERS_SIGNER" in started.stderr


def test_production_with_a_signer_starts():
    started = run(START, **BUS, REGISTERS_SIGNER="registers.tests.test_contract.sign_for_test")

    assert started.returncode == 0, started.stderr
