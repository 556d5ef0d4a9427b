"""GeminiAgent with the real `google-genai` SDK against the local Gemini API fake."""

from __future__ import annotations

from devstack.fakes.script import call_tool, fail, reply
from media_server.pipeline.agent import StateHint, TextDelta, ToolRequest, UsageReport
from media_server.providers.llm.gemini_agent import LOCAL_ID_PREFIX, GeminiAgent
from shared.domain.fsm import CallEvent, CallState

from ...unit.llm.factories import driver, karla, session
from .conftest import API_KEY, SEED, llm_stack, mock_trips, open_conversation, place_call, sample

READ_TRIP = (
    "Le llamo para confirmar su viaje de Monterrey a Guadalajara, ayer lunes 23. ¿Es correcto?"
)
IDENTIFIED = session(driver("¿Bueno?"), karla("¿Hablo con Juan Pérez?"), driver("Sí, soy yo."))


async def test_streamed_text_arrives_as_several_deltas_in_order(gemini):
    gemini.fake.script.enqueue(reply(READ_TRIP))
    agent = GeminiAgent(api_key=API_KEY, model="gemini-2.5-flash", base_url=gemini.url)

    events = [event async for event in agent.respond(IDENTIFIED)]

    assert events[0] == StateHint(CallEvent.IDENTITY_CONFIRMED)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3
    assert "".join(deltas) == READ_TRIP
    (usage,) = [e.usage for e in events if isinstance(e, UsageReport)]
    assert usage.llm_input_tokens == gemini.fake.requests[0].usage["promptTokenCount"]


async def test_a_function_call_without_an_id_gets_one_of_ours(gemini):
    gemini.fake.script.enqueue(call_tool("validar_viaje"))
    agent = GeminiAgent(api_key=API_KEY, model="gemini-2.5-flash", base_url=gemini.url)
    s = session(driver("Sí, todo bien"), state=CallState.VALIDATING)

    events = [event async for event in agent.respond(s)]

    (request,) = [e for e in events if isinstance(e, ToolRequest)]
    assert request.call.name == "validar_viaje" and request.call.arguments == {}
    assert request.call.id.startswith(LOCAL_ID_PREFIX)


async def test_a_whole_confirmation_round_trips_the_function_call(settings, redis_client, gemini):
    gemini.fake.script.enqueue(
        reply("¡Hola, buen día! Le habla Karla de Transportes del Norte. ¿Hablo con Juan Pérez?"),
        reply(READ_TRIP),
        call_tool("validar_viaje"),
        reply("Listo, quedó validado. ¡Gracias y buen camino!"),
    )
    async with llm_stack(settings, "gemini", gemini) as stack:
        call_id, result = await place_call(
            stack, ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."]
        )

        assert result.outcome == "confirmed"
        assert mock_trips(stack)["T-5001"]["status"] == "validated"
        assert mock_trips(stack)["T-999"] == SEED[1]
        record = await stack.audit.calls.get(call_id)

    bodies = [r.body for r in gemini.fake.requests]
    assert len(bodies) == 4 and gemini.fake.script.pending == 0
    *_, model_turn, result_turn = bodies[3]["contents"]
    assert model_turn["role"] == "model"
    assert model_turn["parts"] == [{"functionCall": {"name": "validar_viaje", "args": {}}}]
    (response,) = result_turn["parts"]
    assert response["functionResponse"]["name"] == "validar_viaje"
    assert response["functionResponse"]["response"]["ok"] is True
    assert "id" not in response["functionResponse"]  # ours, made up: never sent to Gemini

    static, context = bodies[0]["systemInstruction"]["parts"]
    assert all(body["systemInstruction"]["parts"][0] == static for body in bodies)
    assert "Juan Pérez" in context["text"] and "Juan Pérez" not in static["text"]
    declarations = bodies[0]["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == [
        "validar_viaje", "actualizar_viaje", "crear_viaje", "transferir_a_humano",
    ]  # fmt: skip
    assert "parameters" not in declarations[0]  # an empty OBJECT is refused by the API
    assert "additionalProperties" not in str(declarations)
    assert record.usage.llm_input_tokens == sum(
        r.usage["promptTokenCount"] for r in gemini.fake.requests
    )
    assert record.usage.llm_output_tokens == sum(
        r.usage["candidatesTokenCount"] for r in gemini.fake.requests
    )


async def test_a_server_error_has_the_turn_answered_offline(settings, redis_client, gemini):
    gemini.fake.script.enqueue(fail(503))
    before = sample("karla_agent_fallbacks_total", provider="gemini", reason="error")
    async with llm_stack(settings, "gemini", gemini) as stack:
        conversation = await open_conversation(stack)

        turn = await conversation.hear("¿Bueno?")

    assert turn.text
    assert len(gemini.fake.requests) == 1
    assert sample("karla_agent_fallbacks_total", provider="gemini", reason="error") == before + 1
