"""Telephony: handing live calls to humans, and (later) the RingCentral REST client."""
