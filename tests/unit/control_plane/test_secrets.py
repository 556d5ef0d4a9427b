"""Cold-start secrets: Secrets Manager and SSM into the environment, through moto."""

from __future__ import annotations

import json

import boto3
import pytest

from shared.aws.secrets import load_secrets_into_environment

pytestmark = pytest.mark.usefixtures("aws")


def test_secrets_and_parameters_become_the_variables_settings_read() -> None:
    secrets = boto3.client("secretsmanager")
    database = secrets.create_secret(Name="karla/db", SecretString="postgresql://k:pw@db/karla")
    ringcentral = secrets.create_secret(
        Name="karla/rc",
        SecretString=json.dumps({"RINGCENTRAL_CLIENT_ID": "id-1", "ringcentral_jwt": "jwt-1"}),
    )
    boto3.client("ssm").put_parameter(Name="/karla/api-token", Value="tok-123", Type="SecureString")
    env = {
        "DATABASE_URL_SECRET_ARN": database["ARN"],
        "RINGCENTRAL_SECRET_ARN": ringcentral["ARN"],
        "API_TOKEN_SSM_PARAMETER": "/karla/api-token",
        "REDIS_URL_SECRET_ARN": "",  # unset in this environment: skipped
        "TIMEZONE": "America/Mexico_City",
    }

    loaded = load_secrets_into_environment(env)

    assert loaded == ["API_TOKEN", "DATABASE_URL", "RINGCENTRAL_CLIENT_ID", "RINGCENTRAL_JWT"]
    assert env["DATABASE_URL"] == "postgresql://k:pw@db/karla"
    assert env["API_TOKEN"] == "tok-123"
    assert env["RINGCENTRAL_JWT"] == "jwt-1"
    assert "REDIS_URL" not in env


def test_nothing_to_resolve_reads_nothing() -> None:
    env = {"TIMEZONE": "America/Mexico_City"}

    assert load_secrets_into_environment(env) == []
    assert env == {"TIMEZONE": "America/Mexico_City"}
