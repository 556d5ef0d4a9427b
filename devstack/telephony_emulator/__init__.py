"""A local stand-in for RingCentral: the REST calls Karla makes, webhooks, a human agent."""

from devstack.telephony_emulator.app import build_app
from devstack.telephony_emulator.briefing import EmulatorBriefing
from devstack.telephony_emulator.emulator import OnAnswered, TelephonyEmulator
from devstack.telephony_emulator.model import (
    Behaviour,
    Briefing,
    EmulatedCall,
    Fault,
    HangUp,
    HumanAgentCall,
    LoggedRequest,
)
from devstack.telephony_emulator.server import run_emulator, serve_emulator

__all__ = [
    "Behaviour",
    "Briefing",
    "EmulatedCall",
    "EmulatorBriefing",
    "Fault",
    "HangUp",
    "HumanAgentCall",
    "LoggedRequest",
    "OnAnswered",
    "TelephonyEmulator",
    "build_app",
    "run_emulator",
    "serve_emulator",
]
