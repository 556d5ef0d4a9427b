"""AWS Lambda entry point: API Gateway HTTP API (payload 2.0) events through Mangum.

Building the app connects to nothing, so a cold start only pays for imports; the lifespan
opens Postgres and Redis when Mangum runs it for an invocation.
"""

from __future__ import annotations

from mangum import Mangum

from functions.api.app import create_app

handler = Mangum(create_app(), lifespan="auto")
