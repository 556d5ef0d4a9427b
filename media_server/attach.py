"""Which call a new media socket belongs to, from its start message's media token.

The token must carry our signature and be unexpired (checked without I/O, so garbage costs
nothing), Redis must still bind it to that call (the dispatcher bound it when it dialed;
deleting the key revokes it), and the call's session must be live. A resumed socket passes
the same checks with the same token on any instance: the session, not the process, holds
the call. Every refusal has a reason that is safe to put in the close frame.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from media_server.loadtest_sessions import (
    MemorySessionStore,
    NoAudit,
    NoTools,
    is_loadtest_token,
    loadtest_session,
)
from media_server.pipeline.records import SessionStore, Tools, TurnAudit
from shared.calls.media_tokens import InvalidMediaToken, token_id, verify
from shared.domain.session import CallSession

from .services import CallServices


class Refused(Exception):
    """The socket cannot attach; `reason` goes into the 1008 close frame."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Attachment:
    call_id: str
    sessions: SessionStore
    turns: TurnAudit
    tools: Tools
    finish: Callable[[CallSession], Awaitable[None]] | None  # the audit's final record


async def attach(token: str, services: CallServices) -> Attachment:
    settings = services.settings
    if is_loadtest_token(token):
        if not settings.media_accept_unbound_tokens_for_loadtest:
            raise Refused("load-test tokens are not accepted by this server")
        session = loadtest_session(token, services.clock())
        return Attachment(session.call_id, MemorySessionStore(session), NoAudit(), NoTools(), None)
    stores = services.stores
    if stores is None:
        raise Refused("this server takes load-test calls only")
    try:
        call_id = verify(token, settings.media_token_secret.get_secret_value(), time.time())
    except InvalidMediaToken as exc:
        raise Refused(exc.reason) from None
    if await stores.sessions.call_for_media_token(token_id(token)) != call_id:
        raise Refused("media token is not bound to a call")
    stored = await stores.sessions.get(call_id)
    if stored is None or stored.ended:
        raise Refused("the call is not live")

    async def finish(final: CallSession) -> None:
        await stores.lifecycle.finish(final, services.clock())

    return Attachment(call_id, stores.sessions, stores.turns, stores.tools, finish)
