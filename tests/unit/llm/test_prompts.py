"""The prompt files: a static system prompt and a per-call context filled from the session."""

from __future__ import annotations

import datetime as dt

from media_server.providers.llm.prompts import render_call_context, system_prompt
from shared.domain.call import Direction
from shared.domain.fsm import CallState
from shared.domain.trip import Trip

from .factories import session


def test_the_system_prompt_is_the_same_bytes_every_time_and_names_no_call():
    first = system_prompt("Karla", "Transportes del Norte")

    assert first is system_prompt("Karla", "Transportes del Norte")
    assert "Karla" in first and "Transportes del Norte" in first
    assert "${" not in first
    assert "Juan" not in first and "2026" not in first


def test_the_context_gives_the_local_date_the_driver_the_trip_and_the_step():
    utc_call = session(state=CallState.VALIDATING).model_copy(
        update={"call_time": dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)}
    )

    context = render_call_context(utc_call)

    assert "martes 24 de noviembre de 2026 (2026-11-24), 21:00" in context
    assert "ayer lunes 23 = 2026-11-23" in context
    assert "Juan Pérez" in context and "saliente" in context
    assert "de Monterrey, N.L. a Guadalajara, Jal., 2026-11-22" in context
    assert '"de Monterrey a Guadalajara, el domingo 22"' in context
    assert "revisión" in context


def test_inbound_context_lists_the_other_open_trips_and_a_missing_trip():
    other = Trip(
        trip_id="T-2",
        driver_id="D-1001",
        origin="Colima, Col.",
        destination="Manzanillo, Col.",
        date=dt.date(2026, 11, 20),
    )
    context = render_call_context(
        session(direction=Direction.INBOUND, trip=None, others=[other], state=CallState.CREATING)
    )

    assert "entrante" in context
    assert "Viaje registrado: ninguno" in context
    assert "de Colima, Col. a Manzanillo, Col., 2026-11-20" in context
    assert "alta" in context
