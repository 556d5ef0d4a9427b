"""AWS Lambda entry point: API Gateway HTTP API (payload 2.0) events through Mangum.

Building the app connects to nothing, so a cold start only pays for imports and reading
its secrets (the `*_SECRET_ARN` / `*_SSM_PARAMETER` variables the template sets; none are
set off AWS, so then nothing is read); the lifespan opens Postgres and Redis when Mangum
runs it for an invocation.
"""

from __future__ import annotations

from mangum import Mangum

from functions.api.app import create_app
from shared.aws.secrets import load_secrets_into_environment

load_secrets_into_environment()
handler = Mangum(create_app(), lifespan="auto")
