"""A trigger repeated, and a dispatch message SQS delivers twice, still dial once.

The number goes to voicemail, so each dial is one call-out in the emulator's log and
nothing else follows it (the redial is 30 minutes away on a clock nobody moves here).
"""

from __future__ import annotations

import asyncio

import httpx

from devstack.dev_stack import DevStack
from shared.queue import DispatchMessage
from tests.integration.e2e.support import dialled, eventually, trigger, until_status

DRIVER, TRIP, PHONE = "D-9006", "T-9006", "+523331234567"


async def test_the_same_trigger_twice_and_the_same_message_twice_dial_once(
    dev: DevStack, api: httpx.AsyncClient
) -> None:
    first, again = await asyncio.gather(
        trigger(api, DRIVER, TRIP, PHONE, key="e2e-once"),
        trigger(api, DRIVER, TRIP, PHONE, key="e2e-once"),
    )
    assert sorted([first.status_code, again.status_code]) == [200, 202]
    call_id = first.json()["call_id"]
    assert again.json()["call_id"] == call_id

    # SQS is at-least-once: the trigger's message arrives twice more.
    body = DispatchMessage(call_id=call_id).model_dump_json()
    for _ in range(2):
        await asyncio.to_thread(
            dev.sqs.client.send_message, QueueUrl=dev.sqs.queue_url, MessageBody=body
        )

    call = await until_status(api, call_id, "retry_scheduled")
    await eventually(lambda: _drained(dev))
    assert len(await dialled(dev, PHONE)) == 1
    assert call["attempts"] == 1
    async with dev.local.pool.acquire() as conn:
        results = await conn.fetch("SELECT result FROM attempts WHERE call_id = $1", call_id)
    assert [r["result"] for r in results] == ["voicemail"]


async def _drained(dev: DevStack) -> bool:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    answer = await asyncio.to_thread(
        dev.sqs.client.get_queue_attributes, QueueUrl=dev.sqs.queue_url, AttributeNames=names
    )
    return sum(int(answer["Attributes"][name]) for name in names) == 0
