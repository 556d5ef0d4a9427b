"""The client's /trips API: the adapter Karla writes through, and a mock of the client."""

from shared.client_api.client import TripsClient, TripWrite
from shared.client_api.errors import (
    ClientApiError,
    ClientApiPayloadError,
    ClientApiRejected,
    ClientApiUnavailable,
    TripNotFound,
)
from shared.client_api.mapping import FieldMap
from shared.client_api.mock_server import MockClientApi, SeedError, load_seed, serve_mock

__all__ = [
    "ClientApiError",
    "ClientApiPayloadError",
    "ClientApiRejected",
    "ClientApiUnavailable",
    "FieldMap",
    "MockClientApi",
    "SeedError",
    "TripNotFound",
    "TripWrite",
    "TripsClient",
    "load_seed",
    "serve_mock",
]
