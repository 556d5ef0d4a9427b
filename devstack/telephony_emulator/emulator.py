"""The telephony emulator: RingCentral's side of Karla's calls, on one machine.

Each number dialled follows its scripted `Behaviour` (answer, no answer, busy, voicemail,
reject) and the emulator posts the telephony-session events RingCentral would. On answer
it awaits `on_answered(call)`, the hook where the local stack connects a simulated driver
to the media server; when that returns, the driver has hung up. Hang-up or transfer
cancels the hook's task, as a dropped line ends the bridge's media leg. Transfers go to a
simulated human agent that records which call, which target and the briefing sent ahead.

A driver can also call Karla (`call_in`): the call rings at Karla's extension (Inbound
events for our party), the bridge's device rings (`on_ringing(call)`, True when the
bridge takes it: it has the call's media token), then it is answered as above. While it
rings it can be forwarded to the human agent instead, as RingCentral's forward does.

Events start only after the call-out answer has been sent and arrive in order per call;
`ring_seconds` lets the local stack give the dispatcher time to store the call's ids, as
a real phone rings for seconds, and `transfer_seconds` lets Karla finish her turn before
a transfer takes our leg away, as RingCentral moves a call in a moment, not at once.
Tests leave both at 0 and wait on events, never on time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Literal

from devstack.telephony_emulator.model import (
    INBOUND,
    Behaviour,
    Briefing,
    EmulatedCall,
    EmulatorError,
    Fault,
    HangUp,
    HumanAgentCall,
    LoggedRequest,
    now,
)
from devstack.telephony_emulator.tokens import TokenDesk
from devstack.telephony_emulator.webhooks import WebhookDesk, callee_party, our_party
from shared.config import Settings
from shared.observability.logging import get_logger

OnAnswered = Callable[[EmulatedCall], Awaitable[None]]
OnRinging = Callable[[EmulatedCall], Awaitable[bool]]
LOCAL_CLIENT_ID = "karla-local"
LOCAL_CLIENT_SECRET = "karla-local-secret"  # noqa: S105 (the emulator's own, not a secret)
LOCAL_JWT = "karla-local-jwt"
LOCAL_DEVICE_ID = "800000001"
LOCAL_FROM_NUMBER = "+525555550100"
# The disconnect reason each unanswered behaviour produces (ringcentral.md §3).
_REFUSALS = {
    Behaviour.NO_ANSWER: "NoAnswer",
    Behaviour.BUSY: "TargetBusy",
    Behaviour.REJECT: "Rejected",
}
TRANSFER_TARGETS = ("phoneNumber", "extensionNumber", "extensionId", "voicemail", "parkOrbit")
FORWARD_TARGETS = ("phoneNumber", "extensionNumber", "voicemail")
RINGING = frozenset({"Setup", "Proceeding"})
# What a party's status must be for each way of handing it over, and the targets allowed.
_HAND_OVER = {
    "transfer": (frozenset({"Answered"}), TRANSFER_TARGETS),
    "forward": (RINGING, FORWARD_TARGETS),
}

_log = get_logger(__name__)


class TelephonyEmulator:
    def __init__(
        self,
        *,
        client_id: str = LOCAL_CLIENT_ID,
        client_secret: str = LOCAL_CLIENT_SECRET,
        jwt: str = LOCAL_JWT,
        device_id: str = LOCAL_DEVICE_ID,
        from_number: str = LOCAL_FROM_NUMBER,
        webhook_url: str | None = None,
        verification_token: str = "",
        token_lifetime_seconds: int = 3600,
        default_behaviour: Behaviour = Behaviour.ANSWER,
        ring_seconds: float = 0.0,
        transfer_seconds: float = 0.0,
        on_answered: OnAnswered | None = None,
        on_ringing: OnRinging | None = None,
        human_agent: str = "agente-humano",
    ) -> None:
        self.tokens = TokenDesk(client_id, client_secret, jwt, token_lifetime_seconds)
        self.webhooks = WebhookDesk()
        if webhook_url:
            self.webhooks.add(webhook_url, verification_token)
        self.device_id = device_id
        self.from_number = from_number
        self.default_behaviour = default_behaviour
        self.ring_seconds = ring_seconds
        self.transfer_seconds = transfer_seconds
        self.on_answered = on_answered
        self.on_ringing = on_ringing
        self.human_agent = human_agent
        self.scripts: dict[str, Behaviour] = {}
        self.lines: dict[str, tuple[str, ...]] = {}  # what the driver at a number says
        self.caller_lines: dict[str, tuple[str, ...]] = {}  # ... when he calls Karla
        self.calls: dict[str, EmulatedCall] = {}
        self.requests: list[LoggedRequest] = []
        self.transfers: list[HumanAgentCall] = []
        self.hangups: list[HangUp] = []
        self._faults: list[tuple[Fault, int]] = []
        self._briefings: dict[str, Briefing] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    def from_settings(
        cls, settings: Settings, on_answered: OnAnswered | None = None
    ) -> TelephonyEmulator:
        """Accepts exactly the credentials a client built from the same settings sends."""
        return cls(
            client_id=settings.ringcentral_client_id or LOCAL_CLIENT_ID,
            client_secret=settings.ringcentral_client_secret.get_secret_value()
            or LOCAL_CLIENT_SECRET,
            jwt=settings.ringcentral_jwt.get_secret_value() or LOCAL_JWT,
            device_id=settings.ringcentral_bridge_device_id or LOCAL_DEVICE_ID,
            from_number=settings.ringcentral_from_number or LOCAL_FROM_NUMBER,
            webhook_url=settings.ringcentral_webhook_url or None,
            verification_token=settings.ringcentral_webhook_verification_token.get_secret_value(),
            on_answered=on_answered,
        )

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.webhooks.aclose()

    # --- scripting and inspection (tests, the local stack, the admin endpoints) ---------

    def script(
        self,
        phone_number: str,
        behaviour: Behaviour,
        says: Sequence[str] | None = None,
        says_calling: Sequence[str] | None = None,
    ) -> None:
        """How the phone at `phone_number` behaves; its driver's lines when Karla calls
        (`says`) and when he calls Karla (`says_calling`), if given."""
        self.scripts[phone_number] = behaviour
        if says is not None:
            self.lines[phone_number] = tuple(says)
        if says_calling is not None:
            self.caller_lines[phone_number] = tuple(says_calling)

    def inject_fault(self, fault: Fault) -> None:
        self._faults.append((fault, fault.times))

    def take_fault(self, method: str, path: str) -> Fault | None:
        for index, (fault, left) in enumerate(self._faults):
            if fault.matches(method, path):
                if left <= 1:
                    del self._faults[index]
                else:
                    self._faults[index] = (fault, left - 1)
                return fault
        return None

    def log(self, method: str, path: str, status: int) -> None:
        self.requests.append(LoggedRequest(method, path, status, now()))

    def attempts(self, method: str, path_prefix: str) -> list[LoggedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def brief(self, telephony_session_id: str, briefing: Briefing) -> None:
        """Context for the human who takes this call, shown when the transfer arrives."""
        self._briefings[telephony_session_id] = briefing

    # --- RingCentral behaviour behind the REST endpoints ---------------------------------

    def call_out(self, request: dict[str, Any]) -> EmulatedCall:
        origin, target = request.get("from"), request.get("to")
        device = origin.get("deviceId") if isinstance(origin, dict) else None
        number = target.get("phoneNumber") if isinstance(target, dict) else None
        if device != self.device_id:
            raise EmulatorError(400, "CMN-101", "Parameter [from.deviceId] value is invalid")
        if not isinstance(number, str) or not number.startswith("+"):
            raise EmulatorError(400, "CMN-101", "Parameter [to.phoneNumber] value is invalid")
        key = uuid.uuid4().hex
        call = EmulatedCall(
            telephony_session_id=f"s-{key}",
            party_id=f"p-{key}-1",
            callee_party_id=f"p-{key}-2",
            to_number=number,
            from_number=self.from_number,
            device_id=self.device_id,
            behaviour=self.scripts.get(number, self.default_behaviour),
            says=self.lines.get(number, ()),
        )
        self.calls[call.telephony_session_id] = call
        return call

    def call_in(self, from_number: str, says: Sequence[str] | None = None) -> EmulatedCall:
        """The driver at `from_number` calls Karla's number; it rings in the background."""
        if not from_number.startswith("+") or not from_number[1:].isdigit():
            raise EmulatorError(400, "CMN-101", "the caller's number must be E.164")
        key = uuid.uuid4().hex
        call = EmulatedCall(
            telephony_session_id=f"s-{key}",
            party_id=f"p-{key}-2",  # Karla's extension: a later party than the caller's
            callee_party_id=f"p-{key}-1",
            to_number=from_number,
            from_number=self.from_number,
            device_id=self.device_id,
            behaviour=Behaviour.ANSWER,
            direction=INBOUND,
            says=tuple(says) if says is not None else self.caller_lines.get(from_number, ()),
        )
        self.calls[call.telephony_session_id] = call
        call.media_task = self._spawn(self._ring_in(call))
        return call

    async def ring(self, call: EmulatedCall) -> None:
        """Play the number's script (in the background); run once the answer is on the wire."""
        self._spawn(self._play(call))

    def transfer(self, session_id: str, party_id: str, request: dict[str, Any]) -> EmulatedCall:
        """An answered call goes to the human agent; our party leaves once it has moved."""
        call = self._hand_over(session_id, party_id, request, "transfer")
        self._spawn(self._moved(call))
        return call

    def forward(self, session_id: str, party_id: str, request: dict[str, Any]) -> EmulatedCall:
        """A call still ringing at our party goes to the human agent instead."""
        call = self._hand_over(session_id, party_id, request, "forward")
        self._spawn(self._end(call, "Disconnected", "CallRedirected"))
        return call

    def _hand_over(
        self,
        session_id: str,
        party_id: str,
        request: dict[str, Any],
        how: Literal["transfer", "forward"],
    ) -> EmulatedCall:
        """Check the request as RingCentral would, and let the human agent take the call."""
        statuses, target_keys = _HAND_OVER[how]
        call = self._live_call(session_id, party_id)
        if call.status not in statuses:
            raise EmulatorError(409, "TAS-102", f"Party status [{call.status}] is not valid")
        targets = {key: str(request[key]) for key in target_keys if request.get(key)}
        if len(targets) != 1:
            raise EmulatorError(400, "CMN-101", f"Exactly one of {target_keys} is required")
        ((_, target),) = targets.items()
        self.transfers.append(
            HumanAgentCall(
                telephony_session_id=session_id,
                party_id=party_id,
                driver_number=call.to_number,
                target=targets,
                agent=f"{self.human_agent}@{target}",
                briefing=self._briefings.pop(session_id, None),
                at=now(),
                how=how,
            )
        )
        return call

    def hang_up(self, session_id: str) -> None:
        call = self.calls.get(session_id)
        if call is None or not call.live:
            raise EmulatorError(404, "CMN-102", "Resource for parameter [sessionId] is not found")
        self.hangups.append(HangUp(session_id, call.to_number, now()))
        self._spawn(self._end(call, "Disconnected", "CallFinished"))

    def _live_call(self, session_id: str, party_id: str) -> EmulatedCall:
        call = self.calls.get(session_id)
        if call is None or not call.live or party_id != call.party_id:
            raise EmulatorError(404, "CMN-102", "Resource for parameter [partyId] is not found")
        return call

    async def _play(self, call: EmulatedCall) -> None:
        await self.webhooks.publish(call, [our_party(call)])  # Setup
        if call.live and call.behaviour is not Behaviour.BUSY:
            call.status = "Proceeding"
            await self.webhooks.publish(call, [our_party(call)])
            if self.ring_seconds:
                await asyncio.sleep(self.ring_seconds)
        if not call.live:  # Karla hung up before the phone was answered
            return
        refusal = _REFUSALS.get(call.behaviour)
        if refusal is not None:
            await self._end(call, "Disconnected", refusal)
        elif call.behaviour is Behaviour.VOICEMAIL:
            await self.webhooks.publish(call, [callee_party(call, "VoiceMail")])
            if call.live:
                await self._end(call, "Disconnected", "CallFinished")
        else:
            await self._answer(call)

    async def _ring_in(self, call: EmulatedCall) -> None:
        """An inbound call: ringing at Karla's extension until the bridge takes it."""
        await self.webhooks.publish(call, [our_party(call)])  # Setup
        if call.live:
            call.status = "Proceeding"
            await self.webhooks.publish(call, [our_party(call)])
        taken = self.on_ringing is None or await self.on_ringing(call)
        if not call.live:  # forwarded, or hung up, while it rang
            return
        if not taken:  # the bridge had no media token for it: declined
            await self._end(call, "Disconnected", "Rejected")
            return
        call.media_task = None  # this task, done ringing: the media leg is a new one
        await self._answer(call)

    async def _answer(self, call: EmulatedCall) -> None:
        call.status = "Answered"
        await self.webhooks.publish(call, [our_party(call)])
        if self.on_answered is not None and call.live:
            call.media_task = self._spawn(self._media_leg(call, self.on_answered))

    async def _media_leg(self, call: EmulatedCall, on_answered: OnAnswered) -> None:
        try:
            await on_answered(call)
        except Exception as exc:
            _log.warning(
                "emulator_media_leg_failed", session=call.telephony_session_id, error=str(exc)
            )
        if call.live:  # the simulated driver hung up
            await self._end(call, "Disconnected", "CallFinished")

    async def _moved(self, call: EmulatedCall) -> None:
        """The transferred call leaves our party once RingCentral has moved it."""
        if self.transfer_seconds:
            await asyncio.sleep(self.transfer_seconds)
        if call.live:
            await self._end(call, "Disconnected", "BlindTransfer")

    def _end(self, call: EmulatedCall, status: str, reason: str) -> Coroutine[Any, Any, None]:
        """End the call now; the returned coroutine posts the event (await or spawn it)."""
        call.status, call.reason = status, reason
        if call.media_task is not None and call.media_task is not asyncio.current_task():
            call.media_task.cancel()
        return self.webhooks.publish(call, [our_party(call)])

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
