"""A simulated driver for text calls: plays a fixed script against a Conversation.

Lines do not adapt to what Karla says (the scenario format's rule). A barge-in line is said
while Karla is still speaking, so her last turn is cut to its first sentence (what the
driver heard before talking over her); "[silencio]" is a turn of silence; when the script
runs out the driver stays silent until Karla ends the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from devstack.eval.scenario import DriverLine, LineKind
from media_server.pipeline.conversation import Conversation, KarlaTurn, ToolReport
from shared.domain.sentences import split_sentences

MAX_TURNS = 60  # a bound for the simulator; the conversation has its own


@dataclass(frozen=True)
class TranscriptLine:
    speaker: str
    text: str
    interrupted: bool = False
    latency_ms: float | None = None


@dataclass
class PlayedCall:
    transcript: list[TranscriptLine] = field(default_factory=list)
    tools: list[ToolReport] = field(default_factory=list)


async def play_script(conversation: Conversation, lines: Sequence[DriverLine]) -> PlayedCall:
    """Run a whole call: answer, say each line, stay silent after, stop when Karla ends it."""
    played = PlayedCall()
    opening = await conversation.answer()
    if opening is not None and _record(played, opening):
        return played
    script = list(lines)
    for turn in range(MAX_TURNS):
        line = script[turn] if turn < len(script) else DriverLine(kind=LineKind.SILENCE)
        if line.kind is LineKind.BARGE_IN:
            await _cut_last_karla_turn(conversation, played)
        text = "" if line.kind is LineKind.SILENCE else line.text
        played.transcript.append(TranscriptLine("driver", text or "(silencio)"))
        if _record(played, await conversation.hear(text)):
            return played
    await conversation.hang_up()
    return played


def _record(played: PlayedCall, turn: KarlaTurn) -> bool:
    if turn.text:
        played.transcript.append(TranscriptLine("karla", turn.text, latency_ms=turn.agent_ms))
    played.tools.extend(turn.tools)
    return turn.ends_call


async def _cut_last_karla_turn(conversation: Conversation, played: PlayedCall) -> None:
    for index in range(len(played.transcript) - 1, -1, -1):
        line = played.transcript[index]
        if line.speaker == "karla":
            heard = (split_sentences(line.text) or [""])[0]
            await conversation.interrupted(heard)
            played.transcript[index] = TranscriptLine("karla", heard, True, line.latency_ms)
            return
