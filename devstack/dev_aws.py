"""The dev stack's AWS: moto in server mode on a loopback port, with the dispatch queue.

Only SQS is used off AWS: the dispatch queue and its dead-letter queue, with the redrive
policy of template.yaml (5 receives). boto3 reaches moto the standard way, through
`AWS_ENDPOINT_URL` and made-up credentials, so the API, the dispatcher and the scheduler
use exactly the client code they use in AWS. The environment is set for the life of the
stack and restored after, so nothing of it leaks into whatever ran the stack.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
QUEUE_NAME = "karla-dispatch"
DEAD_LETTER_QUEUE_NAME = "karla-dispatch-dlq"
MAX_RECEIVE_COUNT = 5  # template.yaml's redrive policy
# AWS uses 720 s (six times the dispatcher's timeout); locally a failed record should come
# back within a minute. A slower batch than that meets Powertools Idempotency's in-progress
# guard on the redelivery, as in AWS.
VISIBILITY_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class LocalSqs:
    endpoint: str
    queue_url: str
    dead_letter_url: str
    client: Any  # boto3's SQS client


def aws_environment(endpoint: str) -> dict[str, str]:
    """What points boto3 (and nothing but boto3) at the local moto server."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "karla-local",
        "AWS_SECRET_ACCESS_KEY": "karla-local",
        "AWS_SESSION_TOKEN": "karla-local",
    }


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set `values` in os.environ for the block; restore what was there after."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def local_sqs(host: str = "127.0.0.1", port: int = 0) -> Iterator[LocalSqs]:
    """moto on `host:port` with the dispatch queue and its DLQ, until the block ends."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per SQS request
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    try:
        bound_host, bound_port = server.get_host_and_port()
        endpoint = f"http://{bound_host}:{bound_port}"
        with environment(aws_environment(endpoint)):
            client = boto3.client("sqs")
            dead = client.create_queue(QueueName=DEAD_LETTER_QUEUE_NAME)["QueueUrl"]
            dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
            redrive = {
                "deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"],
                "maxReceiveCount": MAX_RECEIVE_COUNT,
            }
            url = client.create_queue(
                QueueName=QUEUE_NAME,
                Attributes={
                    "RedrivePolicy": json.dumps(redrive),
                    "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
                },
            )["QueueUrl"]
            yield LocalSqs(endpoint, url, dead, client)
    finally:
        server.stop()
