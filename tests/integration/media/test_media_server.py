"""The media server's door: only a start with a valid, bound, live media token gets in."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from devstack.phone_wires import BrowserWire, StreamStart, TwilioWire
from devstack.voice_calls import issue_media_token
from media_server.audio.codec import pcm16_to_mulaw
from media_server.providers.stt.loadtest import EOU_SENTINEL_MULAW
from media_server.server import MediaServer
from media_server.services import configured_services
from shared.calls.media_tokens import issue
from shared.domain.fsm import CallState

from ...unit.audio.signals import frames, voice
from ..calls.helpers import open_call
from .conftest import JUAN

SECRET = "test-media-secret-0123456789"


def start(token: str) -> str:
    return json.dumps(
        {
            "type": "start",
            "v": 1,
            "media_token": token,
            "call_id": "s-1",
            "from": "+528112345678",
            "to": "+525500000000",
            "direction": "outbound",
        }
    )


async def refusal(url: str, *messages: str | bytes) -> tuple[int | None, str]:
    """Send `messages`, then read until the server closes; its close code and reason."""
    async with connect(url) as ws:
        for message in messages:
            await ws.send(message)
        with pytest.raises(ConnectionClosed):
            await read_until_closed(ws)
        return ws.close_code, ws.close_reason or ""


async def read_until_closed(ws) -> None:
    while True:
        await ws.recv()


async def test_audio_before_start_is_refused(media):
    assert await refusal(media.urls[0], b"\x00" * 320) == (1008, "audio while awaiting start")


async def test_a_token_signed_with_another_secret_is_refused(media):
    token = issue(str(uuid.uuid4()), "not-our-secret", 60, time.time())
    assert await refusal(media.urls[0], start(token)) == (1008, "bad media token signature")


async def test_an_expired_token_is_refused(media):
    token = issue(str(uuid.uuid4()), SECRET, 60, time.time() - 120)
    assert await refusal(media.urls[0], start(token)) == (1008, "media token expired")


async def test_a_token_no_call_was_dialed_with_is_refused(media):
    token = issue(str(uuid.uuid4()), SECRET, 60, time.time())  # signed, never bound
    assert await refusal(media.urls[0], start(token)) == (
        1008,
        "media token is not bound to a call",
    )


async def test_a_token_of_a_call_that_ended_is_refused(voice_stack, media):
    session = await open_call(voice_stack, JUAN, None)
    token = await issue_media_token(voice_stack, session.call_id)
    await voice_stack.sessions.update(
        session.call_id, lambda s: s.model_copy(update={"state": CallState.ENDED})
    )
    assert await refusal(media.urls[0], start(token)) == (1008, "the call is not live")


@pytest.mark.parametrize("wire", [TwilioWire(), BrowserWire(16000)], ids=["twilio", "browser"])
async def test_every_transport_attaches_by_media_token_and_refuses_with_the_reason(media, wire):
    url = media.server.url(wire.path)
    forged = issue(str(uuid.uuid4()), "not-our-secret", 60, time.time())
    unbound = issue(str(uuid.uuid4()), SECRET, 60, time.time())
    for token, reason in (
        (forged, "bad media token signature"),
        (unbound, "media token is not bound to a call"),
    ):
        opening = wire.start(StreamStart(token, "CA-1", JUAN.phone))
        assert await refusal(url, *opening) == (1008, reason)


async def test_each_transport_refuses_audio_before_start(media):
    frame = b"\x00" * 320
    browser = media.server.url("/browser")
    assert await refusal(browser, frame) == (1008, "audio while awaiting start")
    twilio = media.server.url("/twilio")
    media_event = TwilioWire().audio(frame)[0]
    assert await refusal(twilio, media_event) == (
        1008,
        "expected connected or start, got event 'media'",
    )


async def test_load_test_tokens_are_refused_unless_enabled(media):
    code, reason = await refusal(media.urls[0], start("loadtest:1"))
    assert (code, reason) == (1008, "load-test tokens are not accepted by this server")


async def test_metrics_need_the_api_token_and_health_does_not(media, voice_settings):
    base = f"http://127.0.0.1:{media.server.port}"
    token = voice_settings.api_token.get_secret_value()
    async with httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/healthz")).status_code == 200
        refused = await http.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and "karla_live_calls" in ok.text
        assert ok.headers["Content-Type"].startswith("text/plain")
        assert (await http.get("/elsewhere")).status_code == 404


@pytest.fixture
async def load_test_server(voice_settings):
    """A load-test-only media server, as the benchmark runs it: no stores at all."""
    settings = voice_settings.model_copy(
        update={
            "stt_provider": "loadtest",
            "llm_provider": "loadtest",
            "tts_provider": "loadtest",
            "media_accept_unbound_tokens_for_loadtest": True,
        }
    )
    server = MediaServer(configured_services(settings, None))
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def say_si(ws) -> dict:
    """One scripted caller turn ended by the sentinel frame; Karla's first reply frame."""
    for frame in frames(voice(0.4)):
        await ws.send(twilio_media(pcm16_to_mulaw(frame)))
    await ws.send(twilio_media(EOU_SENTINEL_MULAW))
    return json.loads(await ws.recv())


async def test_a_load_test_caller_over_twilio_streams_gets_an_answer(load_test_server):
    """The benchmark's path: Twilio-style socket, `loadtest:` token, a turn ended by the
    sentinel frame, Karla's reply streamed back as Twilio media."""
    async with connect(load_test_server.url("/twilio")) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call"}))
        await ws.send(json.dumps(twilio_start("loadtest:42")))
        reply = await say_si(ws)
    assert reply["event"] == "media" and reply["streamSid"] == "MZ1"
    assert len(base64.b64decode(reply["media"]["payload"])) == 160


async def test_shutdown_lets_live_calls_finish_and_takes_no_new_ones(load_test_server):
    async with connect(load_test_server.url("/twilio")) as ws:
        await ws.send(json.dumps(twilio_start("loadtest:1")))
        await say_si(ws)
        stopping = asyncio.create_task(load_test_server.stop(drain_seconds=30))
        await asyncio.sleep(0.1)
        with pytest.raises(OSError):
            await connect(load_test_server.url("/twilio"))
        assert (await say_si(ws))["event"] == "media"  # the live call goes on
        assert not stopping.done()
    await stopping  # the call ended: the drain is over


async def test_calls_still_live_after_the_drain_are_handed_off(load_test_server):
    async with connect(load_test_server.url("/twilio")) as ws:
        await ws.send(json.dumps(twilio_start("loadtest:2")))
        await say_si(ws)
        await load_test_server.stop(drain_seconds=0.2)
        with pytest.raises(ConnectionClosed):
            await read_until_closed(ws)
    assert (ws.close_code, ws.close_reason) == (1012, "media server restarting")


async def test_a_real_call_token_is_refused_by_a_load_test_only_server(voice_settings):
    settings = voice_settings.model_copy(update={"media_accept_unbound_tokens_for_loadtest": True})
    server = MediaServer(configured_services(settings, None))
    await server.start("127.0.0.1", 0)
    try:
        token = issue(str(uuid.uuid4()), SECRET, 60, time.time())
        refused = await refusal(server.url(), start(token))
        assert refused == (1008, "this server takes load-test calls only")
    finally:
        await server.stop()


def twilio_start(token: str) -> dict:
    return {
        "event": "start",
        "streamSid": "MZ1",
        "start": {
            "streamSid": "MZ1",
            "callSid": "CA1",
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"media_token": token},
        },
    }


def twilio_media(mulaw: bytes) -> str:
    payload = base64.b64encode(mulaw).decode()
    return json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": payload}})
