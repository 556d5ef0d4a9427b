"""AWS event shapes the Lambda handlers receive, built as AWS sends them."""

from __future__ import annotations

import json
from typing import Any


def http_api_event(
    method: str,
    path: str,
    body: dict[str, Any] | str | None = None,
    headers: dict[str, str] | None = None,
    route_key: str = "$default",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event, as API Gateway sends it."""
    sent = {
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **{name.lower(): value for name, value in (headers or {}).items()},
    }
    if body is not None:
        sent["content-type"] = "application/json"
    path, _, query = path.partition("?")
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": sent,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": sent.get("user-agent", "ops-system/1.0"),
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": route_key,
            "stage": "$default",
            "time": "10/Mar/2025:16:00:00 +0000",
            "timeEpoch": 1741622400000,
        },
        "body": body if isinstance(body, str) or body is None else json.dumps(body),
        "isBase64Encoded": False,
    }
