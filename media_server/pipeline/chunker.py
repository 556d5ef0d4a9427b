"""Agent text deltas in, sentences for TTS out, as soon as each one is complete.

Streaming is what makes a voice agent feel quick: the first sentence goes to TTS while the
agent is still writing the second, so the driver hears Karla ~one sentence of generation
earlier. A sentence is released once `split_sentences` sees text after its end mark (the
splitter needs the following character to tell "N.L. a Guadalajara" from a real end), and
only when every ¿ or ¡ in it is closed, since a later "?" could still merge it with the
next one.

The two-sentence cap is enforced here in streaming form with `turn_cap.fit_turn`'s policy:
the first `limit - 1` sentences are certain to be kept, so they are released at once; the
rest are held until the turn ends, because a final question ("¿Es correcto?") replaces
whatever came between. In practice the first sentence is still playing when the agent
finishes, so holding the rest costs no audible latency.
"""

from __future__ import annotations

from shared.domain.sentences import split_sentences

from .turn_cap import fit_turn


def _closed(sentence: str) -> bool:
    questions = sentence.count("¿") <= sentence.count("?")
    return questions and sentence.count("¡") <= sentence.count("!")


class SentenceChunker:
    """One Karla turn. `feed` deltas, call `new_part` between agent rounds, then `finish`."""

    def __init__(self, limit: int = 2) -> None:
        if limit < 1:
            raise ValueError("a turn keeps at least one sentence")
        self._limit = limit
        self._buffer = ""
        self._sentences: list[str] = []  # every complete sentence so far, in order
        self._released: list[str] = []

    @property
    def released(self) -> list[str]:
        """What has been handed out for speaking, in order."""
        return list(self._released)

    @property
    def text(self) -> str:
        return " ".join(self._released)

    def new_part(self) -> None:
        """The agent starts another round (after a tool): its text follows after a space."""
        if self._buffer.strip():
            self._buffer += " "

    def feed(self, delta: str) -> list[str]:
        """Add a piece of text; return the sentences that may be spoken now."""
        self._buffer += delta
        while True:
            pieces = split_sentences(self._buffer)
            if len(pieces) < 2 or not _closed(pieces[0]):
                break
            first = pieces[0]
            self._buffer = self._buffer[self._buffer.index(first) + len(first) :]
            self._sentences.append(first)
        upto = min(self._limit - 1, len(self._sentences))
        fresh = self._sentences[len(self._released) : upto]
        self._released.extend(fresh)
        return fresh

    def finish(self) -> list[str]:
        """The turn is over: the rest of what the capped turn keeps."""
        self._sentences.extend(split_sentences(self._buffer))
        self._buffer = ""
        kept = split_sentences(fit_turn(" ".join(self._sentences), self._limit))
        rest = kept[len(self._released) :]
        self._released.extend(rest)
        return rest
