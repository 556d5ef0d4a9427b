"""Secrets for the Lambda functions, read once per cold start into the environment.

The template never puts a secret in a function's configuration (which anyone with
`lambda:GetFunctionConfiguration` can read); it passes where the secret lives:
- `NAME_SECRET_ARN`: a Secrets Manager secret. A plain string becomes `NAME`; a JSON
  object (one secret for a set of credentials, e.g. RingCentral's) becomes one variable
  per key, named by the key.
- `NAME_SSM_PARAMETER`: an SSM SecureString parameter, decrypted into `NAME`.
Then `Settings` reads them like any other variable, so the code paths are the same as on a
laptop with a `.env`. Powertools Parameters caches the values for the warm environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping

from aws_lambda_powertools.utilities import parameters

SECRET_SUFFIX = "_SECRET_ARN"  # noqa: S105 (a variable-name suffix, not a secret)
PARAMETER_SUFFIX = "_SSM_PARAMETER"


def load_secrets_into_environment(
    environ: MutableMapping[str, str] | None = None,
) -> list[str]:
    """Resolve every `*_SECRET_ARN` / `*_SSM_PARAMETER` variable; the names set, sorted."""
    env = os.environ if environ is None else environ
    loaded: dict[str, str] = {}
    for key, where in list(env.items()):
        if not where:
            continue
        if key.endswith(SECRET_SUFFIX):
            loaded |= _from_secret(key.removesuffix(SECRET_SUFFIX), where)
        elif key.endswith(PARAMETER_SUFFIX):
            value = parameters.get_parameter(where, decrypt=True)
            loaded[key.removesuffix(PARAMETER_SUFFIX)] = str(value)
    env.update(loaded)
    return sorted(loaded)


def _from_secret(name: str, secret_id: str) -> dict[str, str]:
    value = str(parameters.get_secret(secret_id))
    try:
        fields = json.loads(value)
    except ValueError:
        return {name: value}
    if not isinstance(fields, dict):
        return {name: value}
    return {str(key).upper(): str(item) for key, item in fields.items()}
