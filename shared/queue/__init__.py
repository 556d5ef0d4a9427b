"""The dispatch queue: triggered calls wait here until a dispatcher dials them."""

from shared.queue.base import MAX_DELAY_SECONDS, DispatchQueue
from shared.queue.messages import DispatchMessage

__all__ = ["MAX_DELAY_SECONDS", "DispatchMessage", "DispatchQueue"]
