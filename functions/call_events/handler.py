"""call_events Lambda: RingCentral's telephony-session webhook behind the HTTP API.

Handshake, sender check and event mapping are `shared.calls.webhook`; this module only
routes the API Gateway (payload 2.0) request to it and returns its answer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.runtime import RUNTIME
from shared.aws.workers import metrics, run_webhook

WEBHOOK_PATH = "/webhooks/ringcentral"

logger = Logger(service="karla-call-events")
tracer = Tracer(service="karla-call-events")
app = APIGatewayHttpResolver()


@app.post(WEBHOOK_PATH)
def telephony_session_events() -> Response[str]:
    request = app.current_event
    reply = run_webhook(RUNTIME, request.headers, (request.decoded_body or "").encode())
    return Response(reply.status, reply.headers.get("Content-Type"), reply.body, reply.headers)


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
