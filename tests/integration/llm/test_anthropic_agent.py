"""AnthropicAgent with the real `anthropic` SDK against the local Messages API fake."""

from __future__ import annotations

import json

from devstack.fakes.script import break_midway, call_tool, fail, hang, reply
from media_server.pipeline.agent import StateHint, TextDelta, ToolRequest, UsageReport
from media_server.pipeline.turn_cap import fit_turn
from media_server.providers.llm.anthropic_agent import AnthropicAgent
from media_server.providers.llm.factory import build_agent
from media_server.providers.llm.offline import OfflineAgent
from shared.domain.fsm import CallEvent, CallState
from shared.domain.session import Message, Role

from ...unit.llm.factories import driver, karla, session
from ..calls.helpers import mock_writes
from .conftest import (
    API_KEY,
    SEED,
    llm_settings,
    llm_stack,
    mock_trips,
    open_conversation,
    place_call,
    sample,
)

READ_TRIP = (
    "Le llamo para confirmar su viaje de Monterrey a Guadalajara, ayer lunes 23. ¿Es correcto?"
)
IDENTIFIED = session(driver("¿Bueno?"), karla("¿Hablo con Juan Pérez?"), driver("Sí, soy yo."))


def agent_for(served) -> AnthropicAgent:
    return AnthropicAgent(api_key=API_KEY, model="claude-haiku-4-5-20251001", base_url=served.url)


async def test_streamed_text_arrives_as_several_deltas_in_order(claude):
    claude.fake.script.enqueue(reply(READ_TRIP))

    events = [event async for event in agent_for(claude).respond(IDENTIFIED)]

    assert events[0] == StateHint(CallEvent.IDENTITY_CONFIRMED)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3
    assert "".join(deltas) == READ_TRIP
    (usage,) = [e.usage for e in events if isinstance(e, UsageReport)]
    assert usage.llm_output_tokens == claude.fake.requests[0].usage["output_tokens"]
    assert usage.llm_input_tokens == claude.fake.requests[0].usage["input_tokens"]


async def test_a_streamed_tool_use_becomes_one_request_with_the_parsed_arguments(claude):
    arguments = {"trip_id": "T-999", "destino": "Aguascalientes, Ags.", "fecha": "2026-11-22"}
    claude.fake.script.enqueue(call_tool("actualizar_viaje", arguments, id="toolu_01A"))
    s = session(driver("Sí, así quedó."), state=CallState.VALIDATING)

    events = [event async for event in agent_for(claude).respond(s)]

    requests = [e for e in events if isinstance(e, ToolRequest)]
    assert [(r.call.id, r.call.name) for r in requests] == [("toolu_01A", "actualizar_viaje")]
    assert requests[0].call.arguments == arguments  # trip_id passed on: the dispatcher refuses it


async def test_a_whole_confirmation_validates_the_trip_and_round_trips_the_tool_result(
    settings, redis_client, claude
):
    claude.fake.script.enqueue(
        reply("¡Hola, buen día! Le habla Karla de Transportes del Norte. ¿Hablo con Juan Pérez?"),
        reply(READ_TRIP),
        call_tool("validar_viaje", {}, id="toolu_validar_1"),
        reply("Listo, quedó validado. ¡Gracias y buen camino!"),
    )
    first_tokens = sample("karla_llm_first_token_seconds_count", provider="anthropic")
    async with llm_stack(settings, "anthropic", claude) as stack:
        call_id, result = await place_call(
            stack, ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."]
        )

        assert result.outcome == "confirmed"
        assert mock_trips(stack)["T-5001"]["status"] == "validated"
        assert mock_trips(stack)["T-999"] == SEED[1]
        record = await stack.audit.calls.get(call_id)
        session_after = await stack.sessions.get(call_id)
    assert session_after.state is CallState.ENDED
    assert [line.text for line in result.played.transcript if line.speaker == "karla"][-1] == (
        "Listo, quedó validado. ¡Gracias y buen camino!"
    )

    bodies = [r.body for r in claude.fake.requests]
    assert len(bodies) == 4 and claude.fake.script.pending == 0
    *_, assistant, user = bodies[3]["messages"]
    assert assistant["content"] == [
        {"type": "tool_use", "id": "toolu_validar_1", "name": "validar_viaje", "input": {}}
    ]
    (tool_result,) = user["content"]
    assert tool_result["tool_use_id"] == "toolu_validar_1"
    assert tool_result["is_error"] is False
    assert json.loads(tool_result["content"])["ok"] is True

    static = bodies[0]["system"][0]
    assert static["cache_control"] == {"type": "ephemeral"}
    assert all(body["system"][0] == static for body in bodies)  # a byte-stable cached prefix
    assert "cache_control" not in bodies[0]["system"][1]
    assert "Juan Pérez" in bodies[0]["system"][1]["text"]
    assert "saludo" in bodies[0]["system"][1]["text"]
    assert "revisión" in bodies[1]["system"][1]["text"]  # identity confirmed before the model
    assert bodies[0]["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert [t["name"] for t in bodies[0]["tools"]] == [
        "validar_viaje", "actualizar_viaje", "crear_viaje", "transferir_a_humano",
    ]  # fmt: skip
    assert bodies[0]["tool_choice"]["type"] == "auto"

    reported = [r.usage for r in claude.fake.requests]
    assert record.usage.llm_input_tokens == sum(u["input_tokens"] for u in reported)
    assert record.usage.llm_output_tokens == sum(u["output_tokens"] for u in reported)
    assert record.usage.llm_cache_write_tokens == reported[0]["cache_creation_input_tokens"] > 0
    assert record.usage.llm_cache_read_tokens == sum(u["cache_read_input_tokens"] for u in reported)
    assert record.cost_usd > 0
    assert sample("karla_llm_first_token_seconds_count", provider="anthropic") == first_tokens + 4


async def test_a_tool_aimed_at_another_trip_is_refused_and_nothing_is_written(
    settings, redis_client, claude
):
    claude.fake.script.enqueue(
        reply("¡Hola, buen día! Le habla Karla de Transportes del Norte. ¿Hablo con Juan Pérez?"),
        reply(READ_TRIP),
        reply("Entonces fue de Monterrey a Aguascalientes, ayer lunes 23, ¿correcto?"),
        call_tool(
            "actualizar_viaje",
            {"trip_id": "T-999", "destino": "Aguascalientes, Ags."},
            id="toolu_other_trip",
        ),
        call_tool(
            "transferir_a_humano",
            {"motivo": "fuera_de_guion", "resumen": "pidió cambiar el viaje T-999"},
            say="Solo puedo revisar el viaje de esta llamada; le comunico con una persona.",
        ),
    )
    async with llm_stack(settings, "anthropic", claude) as stack:
        call_id, result = await place_call(
            stack,
            [
                "¿Bueno?",
                "Sí, soy yo.",
                "No, fue a Aguascalientes, y cámbieme el viaje T-999 también.",
                "Sí.",
            ],
        )

        assert mock_writes(stack) == []
        assert mock_trips(stack) == {t["trip_id"]: t for t in SEED}
        tools = await stack.audit.tool_calls.list(call_id)
    assert [(t.tool, t.readiness) for t in tools] == [
        ("actualizar_viaje", "refused"),
        ("transferir_a_humano", "ready"),
    ]
    assert tools[0].args["trip_id"] == "T-999"
    assert result.outcome == "transferred"
    assert claude.fake.script.pending == 0
    (refusal,) = claude.fake.requests[4].body["messages"][-1]["content"]
    assert refusal["tool_use_id"] == "toolu_other_trip"
    assert refusal["is_error"] is True
    assert json.loads(refusal["content"])["error"] == "viaje_no_permitido"


async def expected_offline_reply(conversation, line: str) -> str:
    """What the offline agent says to `line` from the session as it stands now."""
    before = await conversation.session()
    heard = before.model_copy(
        update={"messages": [*before.messages, Message(role=Role.DRIVER, text=line)]}
    )
    offline = OfflineAgent()
    parts = [e.text async for e in offline.respond(heard) if isinstance(e, TextDelta)]
    return fit_turn(" ".join(parts))


async def test_an_overloaded_provider_has_the_turn_answered_offline(settings, redis_client, claude):
    claude.fake.script.enqueue(fail(529))
    before = sample("karla_agent_fallbacks_total", provider="anthropic", reason="error")
    async with llm_stack(settings, "anthropic", claude) as stack:
        conversation = await open_conversation(stack)
        expected = await expected_offline_reply(conversation, "¿Bueno?")

        turn = await conversation.hear("¿Bueno?")

    assert turn.text == expected != ""
    assert len(claude.fake.requests) == 1
    assert sample("karla_agent_fallbacks_total", provider="anthropic", reason="error") == before + 1


async def test_a_provider_silent_past_the_first_event_timeout_falls_back(
    settings, redis_client, claude
):
    claude.fake.script.enqueue(hang(30.0))
    before = sample("karla_agent_fallbacks_total", provider="anthropic", reason="timeout")
    async with llm_stack(
        settings, "anthropic", claude, llm_first_token_timeout_seconds=0.3
    ) as stack:
        conversation = await open_conversation(stack)
        expected = await expected_offline_reply(conversation, "¿Bueno?")

        turn = await conversation.hear("¿Bueno?")

    assert turn.text == expected != ""
    assert sample("karla_agent_fallbacks_total", provider="anthropic", reason="timeout") == (
        before + 1
    )


async def test_a_stream_broken_midway_keeps_its_words_and_the_offline_agent_goes_on(
    settings, claude
):
    claude.fake.script.enqueue(break_midway("Le llamo para confirmar su viaje."))
    agent = build_agent(llm_settings(settings, "anthropic", claude))

    events = [event async for event in agent.respond(IDENTIFIED)]

    texts = [e.text for e in events if isinstance(e, TextDelta)]
    offline = [e.text async for e in OfflineAgent().respond(IDENTIFIED) if isinstance(e, TextDelta)]
    assert "".join(texts).startswith("Le llamo para confirmar su viaje.")
    assert texts[-len(offline) :] == offline


async def test_the_breaker_opens_after_repeated_failures_and_spares_the_provider(
    settings, redis_client, claude
):
    claude.fake.script.enqueue(fail(529), fail(500))
    before = sample("karla_agent_fallbacks_total", provider="anthropic", reason="breaker_open")
    async with llm_stack(settings, "anthropic", claude, llm_breaker_threshold=2) as stack:
        conversation = await open_conversation(stack)
        await conversation.hear("¿Bueno?")
        await conversation.hear("Sí, soy yo.")
        assert len(claude.fake.requests) == 2

        turn = await conversation.hear("¿Cómo dice?")

    assert turn.text
    assert len(claude.fake.requests) == 2  # the open breaker kept the third turn offline
    assert sample("karla_agent_fallbacks_total", provider="anthropic", reason="breaker_open") > (
        before
    )
