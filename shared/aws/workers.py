"""The glue between the Lambda events and `shared.calls`, one piece per function.

- `DispatchWorker`: the dispatcher's BatchProcessor record handler. Powertools Idempotency
  (Redis persistence layer, on the same ElastiCache) keys each record on its dispatch
  intent, `[call_id, attempt, not_before]`: a redelivered SQS message gets the stored
  answer without a second trip read, a concurrent twin fails its record (SQS retries it
  later and then gets the answer). The trigger's message, a window release and each
  retry carry different `not_before`s, so they are different intents; the calls row's
  claim still allows one dial per attempt across all of them. A body that is not a
  dispatch message fails its record only; after the redrive limit it lands in the DLQ.
- `run_schedule`: the scheduler's EventBridge Scheduler payload, `{"action": ...}`.
- `run_webhook`: the call_events function's request, through `receive_webhook`.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.cache import CachePersistenceLayer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from shared.aws.runtime import LambdaRuntime
from shared.calls.sweep import SweepAction
from shared.calls.webhook import WebhookReply, receive_webhook
from shared.queue import DispatchMessage

METRICS_NAMESPACE = "Karla"
metrics = Metrics(namespace=METRICS_NAMESPACE)  # Powertools metrics share one set per process


class DispatchWorker:
    def __init__(self, runtime: LambdaRuntime) -> None:
        self._runtime = runtime
        self._plane = runtime.plane()
        settings = self._plane.settings
        assert settings.redis_url is not None  # the plane refuses to open without it
        self.config = IdempotencyConfig(
            event_key_jmespath="[call_id, attempt, not_before]",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=settings.idempotency_ttl_seconds,
        )
        with warnings.catch_warnings():
            # Powertools 3.x: the documented CachePersistenceLayer is an alias of the class
            # it marks deprecated, so constructing it warns about itself.
            warnings.simplefilter("ignore", DeprecationWarning)
            persistence = CachePersistenceLayer(url=settings.redis_url)  # rediss:// = TLS
        self._dispatch = idempotent_function(
            self._dispatch_once,
            data_keyword_argument="message",
            persistence_store=persistence,
            config=self.config,
            key_prefix=f"{settings.redis_key_prefix}dispatch",
        )

    def bind(self, context: LambdaContext) -> None:
        """An in-progress record expires with the invocation, so a killed run is retried."""
        self.config.register_lambda_context(context)

    def handle(self, record: SQSRecord) -> dict[str, Any]:
        metrics.add_metric(name="dispatch_records", unit=MetricUnit.Count, value=1)
        message = DispatchMessage.model_validate_json(record.body)
        result: dict[str, Any] = self._dispatch(message=message.model_dump(mode="json"))
        return result

    def _dispatch_once(self, message: dict[str, Any]) -> dict[str, Any]:
        plane = self._plane
        parsed = DispatchMessage.model_validate(message)
        outcome = self._runtime.run(plane.dispatcher.handle(parsed, plane.clock()))
        metrics.add_metric(name=f"dispatch_{outcome.value}", unit=MetricUnit.Count, value=1)
        return {"call_id": parsed.call_id, "attempt": parsed.attempt, "outcome": outcome.value}


class ScheduledAction(BaseModel):
    """The `Input` of the template's schedules (other keys are ignored)."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["open_window", "close_window", "sweep"]


def run_schedule(runtime: LambdaRuntime, event: Mapping[str, Any]) -> dict[str, Any]:
    scheduled = ScheduledAction.model_validate(event)
    plane = runtime.plane()
    work = {
        "open_window": plane.sweeper.open_window,
        "close_window": plane.sweeper.close_window,
        "sweep": plane.sweeper.sweep,
    }[scheduled.action]
    done: Counter[SweepAction] = runtime.run(work(plane.clock()))
    metrics.add_metric(name=f"schedule_{scheduled.action}", unit=MetricUnit.Count, value=1)
    for action, count in done.items():
        metrics.add_metric(name=f"sweep_{action.value}", unit=MetricUnit.Count, value=count)
    return {"action": scheduled.action, "done": {a.value: n for a, n in done.items()}}


def run_webhook(runtime: LambdaRuntime, headers: Mapping[str, str], body: bytes) -> WebhookReply:
    plane = runtime.plane()
    token = plane.settings.ringcentral_webhook_verification_token.get_secret_value()
    reply = runtime.run(receive_webhook(headers, body, token, plane.events, plane.clock()))
    metrics.add_metric(name=f"webhook_{reply.status}", unit=MetricUnit.Count, value=1)
    return reply
