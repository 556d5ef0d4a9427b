"""The two-sentence rule, enforced on whatever the agent produced.

Cutting blindly would drop the question that ends most turns ("¿Es correcto?") and leave
the driver with nothing to answer, so when a turn is too long the cap keeps the opening
sentences and the final question.
"""

from __future__ import annotations

from shared.domain.sentences import split_sentences


def fit_turn(text: str, limit: int = 2) -> str:
    sentences = split_sentences(text)
    if len(sentences) <= limit:
        return " ".join(sentences)
    last = sentences[-1]
    if last.rstrip().endswith("?"):
        return " ".join([*sentences[: limit - 1], last])
    return " ".join(sentences[:limit])
