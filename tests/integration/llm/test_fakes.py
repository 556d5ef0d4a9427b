"""The LLM fakes on the wire, read with raw httpx: the documented events, errors and order."""

from __future__ import annotations

import json

import httpx

from devstack.fakes.script import call_tool, fail, reply

from .conftest import API_KEY


def sse_events(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event", ""), json.loads(fields["data"])))
    return events


async def post_messages(url: str, key: str = API_KEY) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as client:
        return await client.post(
            "/v1/messages",
            headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
            json={"model": "m", "max_tokens": 10, "stream": True, "messages": []},
        )


async def test_anthropic_tool_use_streams_in_the_documented_order(claude):
    claude.fake.script.enqueue(call_tool("crear_viaje", {"origen": "Colima, Col."}, say="Va."))

    response = await post_messages(claude.url)

    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert all(name == data["type"] for name, data in events)
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert "ping" in names
    starts = [d["content_block"] for n, d in events if n == "content_block_start"]
    assert [block["type"] for block in starts] == ["text", "tool_use"]
    assert starts[1]["input"] == {}
    pieces = [
        d["delta"]["partial_json"]
        for n, d in events
        if n == "content_block_delta" and d["delta"]["type"] == "input_json_delta"
    ]
    assert len(pieces) > 2 and pieces[0] == ""
    assert json.loads("".join(pieces)) == {"origen": "Colima, Col."}
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    assert claude.fake.script.pending == 0


async def test_anthropic_errors_are_the_documented_json(claude):
    claude.fake.script.enqueue(fail(529))

    overloaded = await post_messages(claude.url)
    unauthorised = await post_messages(claude.url, key="wrong")

    assert overloaded.status_code == 529
    assert overloaded.json()["type"] == "error"
    assert overloaded.json()["error"]["type"] == "overloaded_error"
    assert unauthorised.status_code == 401
    assert unauthorised.json()["error"]["type"] == "authentication_error"


async def test_an_empty_script_answers_with_the_default_reply(claude):
    claude.fake.script.default = reply("Sigo aquí.")

    events = sse_events((await post_messages(claude.url)).text)

    text = "".join(
        d["delta"]["text"]
        for n, d in events
        if n == "content_block_delta" and d["delta"]["type"] == "text_delta"
    )
    assert text == "Sigo aquí."


async def test_gemini_streams_data_chunks_ending_with_usage(gemini):
    gemini.fake.script.enqueue(call_tool("validar_viaje", say="Listo, lo registro ahora mismo."))
    async with httpx.AsyncClient(base_url=gemini.url) as client:
        response = await client.post(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            headers={"x-goog-api-key": API_KEY},
            json={"contents": [{"role": "user", "parts": [{"text": "sí"}]}]},
        )
        missing = await client.post(
            "/v1beta/models/gemini-2.5-flash:generateContent",
            headers={"x-goog-api-key": API_KEY},
            json={"contents": []},
        )

    chunks = [json.loads(b.removeprefix("data: ")) for b in response.text.strip().split("\n\n")]
    parts = [c["candidates"][0]["content"]["parts"][0] for c in chunks]
    assert len(parts) > 2
    assert "".join(p.get("text", "") for p in parts) == "Listo, lo registro ahora mismo."
    assert parts[-1] == {"functionCall": {"name": "validar_viaje", "args": {}}}
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"]["promptTokenCount"] > 0
    assert all("usageMetadata" not in c for c in chunks[:-1])
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == "NOT_FOUND"
