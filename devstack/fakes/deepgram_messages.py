"""The JSON messages a Deepgram Listen v1 socket sends, shaped as in deepgram.md §3.

Only the fields the SDK's models require plus the ones Karla reads; words are spread
evenly over the span, which is all a fake can know about timing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

MODEL_UUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "deepgram-fake"))


def results_message(
    text: str,
    start: float,
    end: float,
    *,
    flags: dict[str, bool],
    confidence: float,
    request_id: str,
) -> dict[str, Any]:
    """A `Results` message covering stream seconds start..end; `flags` holds is_final,
    speech_final and from_finalize."""
    words = text.split()
    step = (end - start) / max(1, len(words))
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "duration": round(end - start, 3),
        "start": round(start, 3),
        **flags,
        "channel": {
            "alternatives": [
                {
                    "transcript": text,
                    "confidence": confidence if words else 0.0,
                    "words": [
                        {
                            "word": word.strip(".,;:¿?¡!").lower(),
                            "start": round(start + i * step, 3),
                            "end": round(start + (i + 1) * step, 3),
                            "confidence": confidence,
                            "punctuated_word": word,
                        }
                        for i, word in enumerate(words)
                    ],
                }
            ]
        },
        "metadata": {
            "request_id": request_id,
            "model_info": {"name": "2-general-nova", "version": "fake", "arch": "nova-2"},
            "model_uuid": MODEL_UUID,
        },
    }


def metadata_message(request_id: str, duration: float) -> dict[str, Any]:
    """The summary sent once after CloseStream, before the close."""
    return {
        "type": "Metadata",
        "transaction_key": "deprecated",
        "request_id": request_id,
        "sha256": "0" * 64,
        "created": datetime.now(UTC).isoformat(),
        "duration": round(duration, 3),
        "channels": 1,
    }
