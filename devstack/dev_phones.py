"""The far side of the emulator's calls: the media bridge's leg and the driver's phone.

In production the RingCentral media bridge (bridge/, Node) answers the leg that rings its
device, takes the call's media token from Redis (`MediaLegs`, GETDEL, polling briefly:
for an inbound call the webhook leaves it a moment after the ring) and relays the audio
to the media server. Here the telephony emulator's hooks do the same, and the "audio" is
a simulated driver (`AudioDriver`) saying the number's scripted lines in real time:
- `ringing` (inbound): the bridge's device rings; it takes the call only with a token;
- `answered`: the driver is on the line, connected to the media server with the token.
A leg with no token is declined (inbound) or dropped (outbound), as the bridge does.
When the emulator ends the call first (Karla's transfer, a hang-up through the API) the
leg tells the media server with a `stop`, as the bridge does when its SIP leg ends, and
gives it a moment to close the call.

The offline STT cannot hear; the driver tells it his words through its test channel,
which is per call id, so the leg reads the call id out of the token it presents.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from devstack.telephony_emulator import EmulatedCall
from devstack.telephony_emulator.model import INBOUND
from shared.calls import media_tokens
from shared.observability.logging import get_logger
from shared.telephony.dialer import MediaLegs

from .audio_driver import AudioDriver, CallPlace
from .eval.scenario import DriverLine, LineKind
from .media_link import SttChannels
from .phone_wires import KarlaWire, Message, StreamStart

TOKEN_WAIT_SECONDS = 5.0  # as the bridge: how long a ringing leg waits for its token
STOP_GRACE_SECONDS = 3.0  # after a stop, how long the media server gets to close
_TRANSFERS = frozenset({"BlindTransfer", "CallRedirected"})
_TOKEN_POLL_SECONDS = 0.05

_log = get_logger(__name__)


@dataclass
class SimulatedBridge:
    legs: MediaLegs
    media_url: str
    channels: SttChannels
    media_token_secret: str
    token_wait_seconds: float = TOKEN_WAIT_SECONDS
    _taken: dict[str, str] = field(default_factory=dict)  # rung inbound legs' tokens

    async def ringing(self, call: EmulatedCall) -> bool:
        token = await self._take(call.telephony_session_id)
        if token is None:
            _log.warning("bridge_declined_leg", telephony_session=call.telephony_session_id)
            return False
        self._taken[call.telephony_session_id] = token
        return True

    async def answered(self, call: EmulatedCall) -> None:
        session = call.telephony_session_id
        token = self._taken.pop(session, None) or await self._take(session)
        if token is None:
            _log.warning("bridge_leg_without_token", telephony_session=session)
            return
        call_id = media_tokens.verify(token, self.media_token_secret, time.time())
        lines = [DriverLine.parse(line) for line in call.says]
        if call.direction == INBOUND:
            lines.insert(0, DriverLine(kind=LineKind.SILENCE))  # the caller hears Karla first
        wire = BridgeWire(call)
        driver = AudioDriver(
            CallPlace([self.media_url], token, session, call.to_number),
            lines,
            self.channels.channel(call_id),
            wire=wire,
        )
        talking = asyncio.create_task(driver.run())
        try:
            await asyncio.shield(talking)
        except asyncio.CancelledError:  # the line went (transfer, hang-up): say so, let go
            wire.stop("transfer" if call.reason in _TRANSFERS else "hangup")
            await asyncio.wait({talking}, timeout=STOP_GRACE_SECONDS)
            raise
        finally:
            talking.cancel()
            self.channels.forget(call_id)

    async def _take(self, telephony_session_id: str) -> str | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.token_wait_seconds
        while True:
            token = await self.legs.take(telephony_session_id)
            if token is not None or loop.time() >= deadline:
                return token
            await asyncio.sleep(_TOKEN_POLL_SECONDS)


class BridgeWire(KarlaWire):
    """Karla's protocol as the bridge speaks it for this call: its direction and numbers
    in the start message, and a `stop` in place of the next frame once the line is gone."""

    def __init__(self, call: EmulatedCall) -> None:
        self._call = call
        self._stop: str | None = None
        self._stopped = False

    def stop(self, reason: str) -> None:
        self._stop = reason

    def _start_fields(self, call: StreamStart) -> dict[str, object]:
        inbound = self._call.direction == INBOUND
        return super()._start_fields(call) | {
            "from": self._call.to_number if inbound else self._call.from_number,
            "to": self._call.from_number if inbound else self._call.to_number,
            "direction": "inbound" if inbound else "outbound",
        }

    def audio(self, pcm16: bytes) -> list[Message]:
        if self._stopped:
            return []
        if self._stop is not None:
            self._stopped = True
            return [json.dumps({"type": "stop", "reason": self._stop})]
        return super().audio(pcm16)
