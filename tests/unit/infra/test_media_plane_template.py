"""infra/media-plane.yaml: lint-clean, and wired the way the media server and bridge need.

The template is read as CloudFormation would read it; where a check needs values, the
parameters' defaults stand in (plus the few that have none), the way a first
`aws cloudformation deploy` resolves them.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from media_server.server import CODECS, MediaServer
from media_server.services import configured_services
from media_server.transports.karla_protocol import KarlaCodec
from shared.config import Settings, load_settings
from tests.cloudformation import cfn_lint, load_template
from tests.conftest import ROOT

TEMPLATE = ROOT / "infra" / "media-plane.yaml"
FARGATE_MAX_STOP_TIMEOUT = 120
# What a deployer must pass; everything else has a default.
REQUIRED = {
    "ImageTag": "abc123",
    "ClientApiBaseUrl": "https://ops.example.com",
    "ElevenLabsVoiceId": "pNInz6obpgDQGcFmaJgB",
    "HumanQueueExtension": "201",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"])


def parameter(template: dict[str, Any], name: str) -> str:
    spec = template["Parameters"][name]
    return str(REQUIRED[name] if name in REQUIRED else spec["Default"])


def resolve(template: dict[str, Any], value: Any) -> str:
    """A plain value, a Ref to a parameter, or a Sub over parameters, as a string."""
    if isinstance(value, dict) and "Ref" in value:
        return parameter(template, value["Ref"])
    if isinstance(value, dict) and "Fn::Sub" in value:
        return re.sub(
            r"\$\{([A-Za-z0-9]+)\}", lambda m: parameter(template, m[1]), value["Fn::Sub"]
        )
    assert isinstance(value, str | int), f"cannot resolve {value!r}"
    return str(value)


def containers(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    task = resources["MediaTaskDefinition"]["Properties"]
    return {c["Name"]: c for c in task["ContainerDefinitions"]}


def environment(container: dict[str, Any]) -> dict[str, Any]:
    return {e["Name"]: e["Value"] for e in container.get("Environment", [])}


def secrets(container: dict[str, Any]) -> dict[str, Any]:
    return {s["Name"]: s["ValueFrom"] for s in container.get("Secrets", [])}


def settings_secrets() -> set[str]:
    return {
        name.upper()
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr
    }


def is_sensitive(name: str) -> bool:
    """Credentials by name: Settings' SecretStr fields, URLs with passwords, SIP logins."""
    return name in settings_secrets() or bool(
        re.search(r"PASSWORD|SECRET|TOKEN|API_KEY|AUTHORIZATION|^(DATABASE|REDIS)_URL$", name)
    )


def test_cfn_lint_is_clean() -> None:
    assert cfn_lint(TEMPLATE) == (0, "", "")


def test_no_secret_is_a_plaintext_environment_value(resources: dict[str, Any]) -> None:
    for name, container in containers(resources).items():
        plaintext = [key for key in environment(container) if is_sensitive(key)]
        assert plaintext == [], f"{name} has secrets in Environment"


def test_the_media_server_gets_every_credential_it_reads_from_a_secret_store(
    resources: dict[str, Any],
) -> None:
    media = secrets(containers(resources)["media-server"])

    assert set(media) == {
        "API_TOKEN",
        "DATABASE_URL",
        "REDIS_URL",
        "MEDIA_TOKEN_SECRET",
        "CLIENT_API_TOKEN",
        "ANTHROPIC_API_KEY",
        "DEEPGRAM_API_KEY",
        "ELEVENLABS_API_KEY",
        # transferir_a_humano moves the live call through RingCentral's REST API
        "RINGCENTRAL_CLIENT_ID",
        "RINGCENTRAL_CLIENT_SECRET",
        "RINGCENTRAL_JWT",
        "RINGCENTRAL_BRIDGE_DEVICE_ID",
    }
    # Each one points at a parameter (a Secrets Manager ARN or the SSM name), never a value.
    for name, where in media.items():
        assert isinstance(where, dict), name
        reference = where.get("Ref") or where.get("Fn::Sub")
        assert reference, name
        if "Fn::Sub" in where:  # one key of a JSON secret: the key is the variable's name
            assert where["Fn::Sub"].endswith(f":{name}::") or name == "API_TOKEN"


def test_every_variable_the_media_server_gets_is_a_setting_and_they_validate(
    template: dict[str, Any], resources: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    media = containers(resources)["media-server"]
    names = set(environment(media)) | set(secrets(media))
    assert names <= {name.upper() for name in Settings.model_fields}, "a name no setting reads"

    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment(media).items():
        monkeypatch.setenv(name, resolve(template, value))
    for name in secrets(media):
        monkeypatch.setenv(name, f"{name.lower()}-from-secrets-manager")
    settings = load_settings()

    assert (settings.environment, settings.media_host) == ("prod", "0.0.0.0")
    assert settings.media_port == int(parameter(template, "MediaPort"))
    assert (settings.stt_provider, settings.llm_provider, settings.tts_provider) == (
        "deepgram",
        "anthropic",
        "elevenlabs",
    )


def test_the_media_server_runs_the_media_server_entry_point(resources: dict[str, Any]) -> None:
    media = containers(resources)["media-server"]

    assert media["Command"] == ["python", "-m", "media_server"]
    assert (ROOT / "media_server" / "__main__.py").is_file()


def ingress_to(resources: dict[str, Any], group: str) -> list[tuple[dict[str, Any], str | None]]:
    """Every ingress rule of `group` (inline or separate), with its condition if any."""
    rules: list[tuple[dict[str, Any], str | None]] = [
        (rule, None) for rule in resources[group]["Properties"].get("SecurityGroupIngress", [])
    ]
    rules += [
        (resource["Properties"], resource.get("Condition"))
        for resource in resources.values()
        if resource["Type"] == "AWS::EC2::SecurityGroupIngress"
        and resource["Properties"]["GroupId"] == {"Ref": group}
    ]
    return rules


def test_the_media_servers_admit_only_the_load_balancer(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    rules = ingress_to(resources, "TaskSecurityGroup")
    always = [rule for rule, condition in rules if condition is None]

    assert [rule["SourceSecurityGroupId"] for rule in always] == [
        {"Ref": "LoadBalancerSecurityGroup"}
    ]
    assert (always[0]["FromPort"], always[0]["ToPort"]) == ({"Ref": "MediaPort"},) * 2
    assert not [rule for rule, _ in rules if "CidrIp" in rule or "CidrIpv6" in rule]
    # The optional scraper rule exists only when its parameter is set (empty by default).
    optional = [condition for _, condition in rules if condition is not None]
    assert optional == ["HasMetricsScraper"]
    assert template["Parameters"]["MetricsScraperSecurityGroupId"]["Default"] == ""


def test_the_load_balancer_is_internal_and_admits_only_the_bridges(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    assert resources["MediaLoadBalancer"]["Properties"]["Scheme"] == "internal"
    rules = ingress_to(resources, "LoadBalancerSecurityGroup")

    assert [rule["SourceSecurityGroupId"] for rule, c in rules if c is None] == [
        {"Ref": "TaskSecurityGroup"}
    ]
    assert [c for rule, c in rules if "CidrIp" in rule] == ["HasPocClientCidr"]
    assert template["Parameters"]["PocClientCidr"]["Default"] == ""


def test_the_bridge_reaches_the_media_servers_through_the_internal_load_balancer(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    """Not localhost: a call whose server died must be able to resume on any instance."""
    bridge = environment(containers(resources)["bridge"])
    url = bridge["MEDIA_SERVER_URL"]
    condition, with_tls, without_tls = url["Fn::If"]

    assert condition == "UseTls"
    assert without_tls == {"Fn::Sub": "ws://${MediaLoadBalancer.DNSName}/media"}
    assert with_tls == {"Fn::Sub": "wss://${MediaHostName}/media"}
    record = resources["MediaHostRecord"]
    assert record["Condition"] == "UseTls"
    assert record["Properties"]["Name"] == {"Ref": "MediaHostName"}
    assert record["Properties"]["AliasTarget"]["DNSName"] == {
        "Fn::GetAtt": ["MediaLoadBalancer", "DNSName"]
    }
    assert "localhost" not in str(bridge) and "127.0.0.1" not in str(bridge)
    assert CODECS["/media"] is KarlaCodec  # the path speaks the bridge's protocol
    assert template["Outputs"]["MediaUrl"]["Value"] == url


def test_draining_outlasts_the_media_servers_own_drain(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    attributes = {
        a["Key"]: a["Value"]
        for a in resources["MediaTargetGroup"]["Properties"]["TargetGroupAttributes"]
    }
    drain = template["Parameters"]["DrainSeconds"]
    media = containers(resources)["media-server"]

    # One parameter feeds both, so the balancer never cuts a call the server still drains.
    assert attributes["deregistration_delay.timeout_seconds"] == {"Ref": "DrainSeconds"}
    assert environment(media)["MEDIA_DRAIN_SECONDS"] == {"Ref": "DrainSeconds"}
    for container in containers(resources).values():
        assert drain["MaxValue"] + 10 <= container["StopTimeout"] <= FARGATE_MAX_STOP_TIMEOUT
    # The bridge holds its calls' SIP legs: it drains on SIGTERM, and must end before SIGKILL.
    bridge = containers(resources)["bridge"]
    assert int(environment(bridge)["BRIDGE_DRAIN_SECONDS"]) + 10 <= bridge["StopTimeout"]
    idle = {
        a["Key"]: int(a["Value"])
        for a in resources["MediaLoadBalancer"]["Properties"]["LoadBalancerAttributes"]
        if a["Key"] == "idle_timeout.timeout_seconds"
    }
    assert idle["idle_timeout.timeout_seconds"] > 60  # above the default


@pytest.fixture
async def media_server() -> AsyncIterator[MediaServer]:
    """A media server with offline providers and no stores: enough to answer health checks."""
    settings = load_settings(llm_provider="offline", stt_provider="offline", tts_provider="offline")
    server = MediaServer(configured_services(settings, None))
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


async def test_both_health_checks_pass_against_a_real_media_server(
    resources: dict[str, Any], media_server: MediaServer
) -> None:
    group = resources["MediaTargetGroup"]["Properties"]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{media_server.port}") as http:
        answer = await http.get(group["HealthCheckPath"])
    assert str(answer.status_code) == group["Matcher"]["HttpCode"]

    # The container's own check, run as ECS runs it (with the port it would substitute).
    command = containers(resources)["media-server"]["HealthCheck"]["Command"]
    assert command[:3] == ["CMD", "python", "-c"]
    code = command[3]["Fn::Sub"].replace("${MediaPort}", str(media_server.port))
    check = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
    assert await check.wait() == 0


def test_every_log_group_has_a_retention_and_every_container_writes_to_one(
    resources: dict[str, Any],
) -> None:
    groups = {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Logs::LogGroup"
    }
    assert all(group["RetentionInDays"] == {"Ref": "LogRetentionDays"} for group in groups.values())

    for container in containers(resources).values():
        options = container["LogConfiguration"]["Options"]
        assert options["awslogs-group"]["Ref"] in groups
        # A stalled log pipe must never block the event loop (and with it the audio).
        assert options["mode"] == "non-blocking"


def policy_statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::Role"
        for policy in resource["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_role_is_least_privilege(resources: dict[str, Any]) -> None:
    statements = policy_statements(resources)
    roles = [r for r in resources.values() if r["Type"] == "AWS::IAM::Role"]

    assert statements
    assert not [a for s in statements for a in as_list(s["Action"]) if "*" in a]
    assert [a for s in statements if s["Resource"] == "*" for a in as_list(s["Action"])] == [
        "ecr:GetAuthorizationToken"  # takes no resource ARN
    ]
    assert not [r for r in roles if r["Properties"].get("ManagedPolicyArns")]
    # The containers call no AWS API, so they get no role at all.
    assert "TaskRoleArn" not in resources["MediaTaskDefinition"]["Properties"]


def test_the_execution_role_reads_exactly_the_secrets_the_containers_name(
    resources: dict[str, Any],
) -> None:
    named: set[str] = set()
    for container in containers(resources).values():
        for where in secrets(container).values():
            if "Ref" in where:
                named.add(where["Ref"])
            elif where["Fn::Sub"].startswith("${"):  # ${SecretArn}:KEY:: -> SecretArn
                named.add(where["Fn::Sub"][2 : where["Fn::Sub"].index("}")])
    readable = {
        resource["Ref"]
        for s in policy_statements(resources)
        if s["Action"] == "secretsmanager:GetSecretValue"
        for resource in s["Resource"]
    }

    assert readable == named


def test_scaling_holds_cpu_and_never_fights_cloudformation(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    policy = resources["MediaCpuScaling"]["Properties"]["TargetTrackingScalingPolicyConfiguration"]

    assert policy["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "ECSServiceAverageCPUUtilization"
    )
    assert 50 <= int(parameter(template, "CpuTargetPercent")) <= 60
    assert int(parameter(template, "MinTasks")) >= 2  # a dead task's calls need a survivor
    # A DesiredCount would reset the scaled count on every stack update.
    assert "DesiredCount" not in resources["MediaService"]["Properties"]
    assert resources["MediaService"]["Properties"]["LaunchType"] == "FARGATE"
