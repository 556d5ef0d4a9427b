"""The trigger API's FastAPI app: one factory for uvicorn, Mangum and the tests.

`create_app()` connects to nothing; the lifespan opens Postgres and Redis (or uses the
`ApiDependencies` handed in, which then stay the caller's to close).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from functions.api import routes_calls, routes_campaigns, routes_ops
from functions.api.auth import warn_if_token_missing
from functions.api.deps import ApiDependencies, open_dependencies
from functions.api.errors import UnhandledErrorMiddleware, install_error_handlers
from functions.api.middleware import MetricsMiddleware
from shared.config import get_settings

_DESCRIPTION = """\
Karla phones truck drivers to check a cargo trip leg. The client's operations system
triggers calls here and reads their outcome, transcript and tool calls back.

Every route but `/healthz` needs `Authorization: Bearer <API_TOKEN>`. Every error is JSON
`{"error": code, "reason": text}`.
"""

_TAGS = [
    {"name": "calls", "description": "Trigger calls and read their audit."},
    {"name": "campaigns", "description": "Batches of calls within a calling window."},
    {"name": "operations", "description": "Health and metrics for operators."},
]


def create_app(deps: ApiDependencies | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            ready = deps
            if ready is None:
                ready = await stack.enter_async_context(open_dependencies(get_settings()))
            warn_if_token_missing(ready.settings)
            app.state.deps = ready
            app.state.settings = ready.settings
            yield

    app = FastAPI(
        title="Karla trigger API",
        version="1.0.0",
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
    )
    # The last added runs first: metrics see the 500 that UnhandledErrorMiddleware answers.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(MetricsMiddleware)
    install_error_handlers(app)
    app.include_router(routes_calls.router)
    app.include_router(routes_campaigns.router)
    app.include_router(routes_ops.router)
    return app
