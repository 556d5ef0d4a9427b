"""`karla call` against the running stack: what it prints, and its exit status."""

from __future__ import annotations

import argparse

import pytest

from devstack.dev_call import add_call_arguments, run_call
from devstack.dev_stack import DevStack


def karla_call(dev: DevStack, *argv: str, stack: bool = True) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_call_arguments(parser)
    urls = ["--api", dev.urls.api, "--token", dev.urls.token, "--emulator", dev.urls.emulator]
    return parser.parse_args([*argv, *(urls if stack else [])])


async def test_it_follows_an_inbound_call_to_the_person_who_took_it(
    dev: DevStack, capsys: pytest.CaptureFixture[str]
) -> None:
    args = karla_call(dev, "--inbound", "--phone", "+529991234568", "--say", "Hola")

    assert await run_call(dev.settings, args) == 0
    out = capsys.readouterr().out
    assert "Resultado: completed / transferred (número no registrado: transferida a 2000)" in out
    assert "La tomó agente-humano@2000 (forward)" in out


async def test_it_says_why_the_api_refused_the_call(
    dev: DevStack, capsys: pytest.CaptureFixture[str]
) -> None:
    args = karla_call(dev, "--driver", "D 1", "--trip", "T-1", "--phone", "81 1234 5678")

    assert await run_call(dev.settings, args) == 3
    assert "answered 422: body.driver_id" in capsys.readouterr().err


async def test_it_says_when_no_stack_is_running(
    dev: DevStack, capsys: pytest.CaptureFixture[str]
) -> None:
    args = karla_call(dev, "--driver", "D-1", "--trip", "T-1", "--phone", "8112345678", stack=False)

    assert await run_call(dev.settings, args) == 3
    assert "the dev stack is not running" in capsys.readouterr().err
