"""The media server: telephony WebSockets in, one pipeline task tree per call.

One asyncio process, one port. `/media` speaks Karla's protocol (the RingCentral media
bridge, the telephony emulator), `/twilio` Twilio-style media streams, `/browser` the PoC
page; `/metrics` (Prometheus, bearer `API_TOKEN` like the API) and `/healthz` answer plain
HTTP on the same port. A socket must open with a start message whose media token attaches
it to a live call (see `attach`); anything else is closed with 1008 and the reason.

Compression is off: audio does not compress and deflate would cost CPU on every frame.
Shutdown drains: no new sockets, live calls get `drain_seconds` to finish, the rest are
closed with 1012 (service restart) so the telephony reconnects to another instance, which
resumes them from the session in Redis. A call that fails here (a provider or a store
gone wrong) is closed with 1013 (try again later) for the same reason: the reconnect gets
fresh provider streams and picks the call up from its last saved turn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from media_server.pipeline.call_pipeline import CallEnd, CallLink, CallPipeline
from media_server.pipeline.conversation import Conversation, OnSentence
from media_server.transports.base import POLICY_VIOLATION, Event, MediaCodec, Message, ProtocolError
from media_server.transports.base import Start as StartEvent
from media_server.transports.browser import BrowserCodec
from media_server.transports.karla_protocol import KarlaCodec
from media_server.transports.twilio_stream import TwilioStreamCodec
from shared.bearer import AuthError, authenticate, challenge
from shared.observability.logging import bind_call, get_logger
from shared.observability.metrics import LIVE_CALLS, render_metrics

from .attach import Attachment, Refused, attach
from .services import CallServices

_log = get_logger(__name__)
CODECS: dict[str, Callable[[], MediaCodec]] = {
    "/media": KarlaCodec,
    "/twilio": TwilioStreamCodec,
    "/browser": BrowserCodec,
}
SERVICE_RESTART = 1012
TRY_AGAIN_LATER = 1013


class MediaServer:
    def __init__(self, services: CallServices, *, start_timeout_seconds: float = 10.0) -> None:
        self._services = services
        self._start_timeout = start_timeout_seconds
        self._server: Server | None = None
        self._live: dict[str, asyncio.Task[None]] = {}  # call id -> its handler
        self._port: int | None = None

    @property
    def port(self) -> int:
        assert self._port is not None, "the server is not started"
        return self._port

    def url(self, path: str = "/media") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    async def start(self, host: str, port: int) -> None:
        self._server = await serve(
            self._handle,
            host,
            port,
            process_request=self._process_request,
            compression=None,
            max_size=64 * 1024,
        )
        self._port = int(next(iter(self._server.sockets)).getsockname()[1])

    async def stop(self, drain_seconds: float = 0.0) -> None:
        """Stop taking sockets, let live calls finish for `drain_seconds`, close the rest."""
        server = self._server
        if server is None:
            return
        server.close(close_connections=False)
        if self._live and drain_seconds > 0:
            await asyncio.wait(list(self._live.values()), timeout=drain_seconds)
        closing = [
            asyncio.create_task(ws.close(SERVICE_RESTART, "media server restarting"))
            for ws in server.connections
        ]
        if closing:
            await asyncio.wait(closing)
        await server.wait_closed()
        self._server = None

    def abort(self) -> None:
        """Drop every socket and call at once, as a crashed process would (resume drills).

        Nothing is closed cleanly and no call is finished: each session stays as it was
        saved after its last turn, for the telephony's reconnect to another instance.
        """
        server = self._server
        if server is None:
            return
        server.close(close_connections=False)
        for ws in server.connections:
            ws.transport.abort()
        for task in self._live.values():
            task.cancel()
        self._server = None

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path in CODECS:
            return None  # a media socket: go on with the WebSocket handshake
        if path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path != "/metrics":
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        try:
            authenticate(
                request.headers.get_all("Authorization"), self._services.settings.api_token
            )
        except AuthError as exc:
            response = connection.respond(HTTPStatus.UNAUTHORIZED, f"{exc.reason}\n")
            response.headers["WWW-Authenticate"] = challenge(exc)
            return response
        body, content_type = render_metrics()
        response = connection.respond(HTTPStatus.OK, body.decode())
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = content_type
        return response

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        codec = CODECS[urlsplit(ws.request.path).path]()
        try:
            async with asyncio.timeout(self._start_timeout):
                start = await _first_start(ws, codec)
            attachment = await attach(start.media_token, self._services)
        except ProtocolError as exc:
            await ws.close(exc.code, exc.reason)
            return
        except Refused as exc:
            await ws.close(POLICY_VIOLATION, exc.reason)
            return
        except TimeoutError:
            await ws.close(POLICY_VIOLATION, f"no start message within {self._start_timeout:g} s")
            return
        except ConnectionClosed:
            return
        except Exception:
            _log.exception("media_attach_failed")
            await ws.close(TRY_AGAIN_LATER, "cannot attach the call now; reconnect to resume")
            return
        await self._run_call(ws, codec, attachment)

    async def _run_call(self, ws: ServerConnection, codec: MediaCodec, call: Attachment) -> None:
        bind_call(call.call_id)
        earlier = self._live.get(call.call_id)
        if earlier is not None:  # the telephony reconnected here: this socket takes over
            earlier.cancel()
        me = asyncio.current_task()
        assert me is not None
        self._live[call.call_id] = me
        LIVE_CALLS.inc()
        end = CallEnd.FAILED
        try:
            end = await self._pipeline(ws, codec, call).run()
        except asyncio.CancelledError:
            end = CallEnd.DROPPED  # taken over, or the server aborted: the session stays
            raise
        finally:
            LIVE_CALLS.dec()
            if self._live.get(call.call_id) is me:
                del self._live[call.call_id]
            _log.info("call_socket_done", call_id=call.call_id, end=end.value)
        if end is CallEnd.FAILED:
            await ws.close(TRY_AGAIN_LATER, "the call failed on this server; reconnect to resume")
        elif end.final:
            await ws.close(1000, "call ended")

    def _pipeline(self, ws: ServerConnection, codec: MediaCodec, call: Attachment) -> CallPipeline:
        services = self._services
        settings = services.settings

        def conversation(on_sentence: OnSentence) -> Conversation:
            return Conversation(
                call.call_id,
                store=call.sessions,
                agent=services.agent,
                dispatcher=call.tools,
                turns=call.turns,
                clock=services.clock,
                max_sentences=settings.max_sentences_per_turn,
                max_driver_turns=settings.max_turns_per_call,
                on_sentence=on_sentence,
            )

        async def send(message: Message) -> None:
            with contextlib.suppress(ConnectionClosed):  # the reader sees the drop and ends
                await ws.send(message)

        return CallPipeline(
            CallLink(codec, _events(ws, codec), send),
            conversation=conversation,
            stt=services.stt_for(call.call_id),
            tts=services.tts,
            clock=services.clock,
            silence_timeout_ms=round(settings.media_silence_timeout_seconds * 1000),
            finish=call.finish,
        )


async def _first_start(ws: ServerConnection, codec: MediaCodec) -> StartEvent:
    """The start event; a codec raises ProtocolError for anything else first."""
    async for message in ws:
        for event in codec.receive(message):
            if isinstance(event, StartEvent):
                return event
    raise ConnectionClosed(None, None)


async def _events(ws: ServerConnection, codec: MediaCodec) -> AsyncIterator[Event]:
    """The call's inbound events until the socket closes; a protocol error closes it."""
    try:
        async for message in ws:
            for event in codec.receive(message):
                yield event
    except ProtocolError as exc:
        _log.warning("media_protocol_error", reason=exc.reason)
        await ws.close(exc.code, exc.reason)
    except ConnectionClosed:
        return
