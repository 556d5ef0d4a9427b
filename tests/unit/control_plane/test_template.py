"""template.yaml: cfn-lint clean, transformed by SAM, and wired the way the code expects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cfnlint.api import lint_all
from samtranslator.translator.transform import transform

from tests.cloudformation import cfn_lint, load_template
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def transformed(template: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation receives after `sam package` (CodeUri in S3) and the transform."""
    packaged = copy.deepcopy(template)
    packaged["Globals"]["Function"]["CodeUri"] = "s3://karla-artifacts/control-plane.zip"

    class NoManagedPolicyLookups:
        def load(self) -> dict[str, str]:
            return {}

    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        return dict(transform(packaged, {}, NoManagedPolicyLookups()))


def test_cfn_lint_is_clean() -> None:
    assert cfn_lint(TEMPLATE) == (0, "", "")


def test_no_stateful_resource_is_left_to_the_default_deletion_policy() -> None:
    matches = lint_all(TEMPLATE.read_text())

    assert [m.message for m in matches if m.rule.id == "I3011"] == []


def test_sam_transforms_it_into_the_four_functions(transformed: dict[str, Any]) -> None:
    functions = {
        name: resource["Properties"]["Handler"]
        for name, resource in transformed["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }

    assert functions == {
        "ApiFunction": "functions.api.handler.handler",
        "DispatcherFunction": "functions.dispatcher.handler.handler",
        "SchedulerFunction": "functions.scheduler.handler.handler",
        "CallEventsFunction": "functions.call_events.handler.handler",
    }
    for handler in functions.values():
        module = handler.rsplit(".", 1)[0]
        assert (TEMPLATE.parent / (module.replace(".", "/") + ".py")).is_file()


def test_http_api_routes(template: dict[str, Any]) -> None:
    routes = {
        (event["Properties"]["Method"], event["Properties"]["Path"])
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
    }

    assert routes == {
        ("ANY", "/api/{proxy+}"),  # /api/calls*, /api/campaigns*
        ("GET", "/metrics"),
        ("GET", "/healthz"),
        ("POST", "/webhooks/ringcentral"),
    }


def test_the_dispatch_queue_has_a_dlq_and_reports_partial_batch_failures(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    queue = resources["DispatchQueue"]["Properties"]
    mapping = resources["DispatchEventSource"]["Properties"]

    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["DispatchDeadLetterQueue", "Arn"]
    }
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 3
    assert (
        queue["VisibilityTimeout"] >= 6 * resources["DispatcherFunction"]["Properties"]["Timeout"]
    )
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_schedules_run_in_mexico_city_and_say_what_to_do(template: dict[str, Any]) -> None:
    schedules = {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Scheduler::Schedule"
    }

    assert {s["ScheduleExpressionTimezone"] for s in schedules.values()} == {"America/Mexico_City"}
    assert sorted(s["Target"]["Input"] for s in schedules.values()) == [
        '{"action": "close_window"}',
        '{"action": "open_window"}',
        '{"action": "sweep"}',
    ]


def test_each_role_reads_only_its_own_secrets(transformed: dict[str, Any]) -> None:
    def secrets_of(role: str) -> set[str]:
        statements = [
            statement
            for policy in transformed["Resources"][role]["Properties"]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
            if statement["Action"] == "secretsmanager:GetSecretValue"
        ]
        return {ref["Ref"] for statement in statements for ref in statement["Resource"]}

    stores = {"DatabaseUrlSecretArn", "RedisUrlSecretArn"}
    inbound = {"MediaTokenSecretArn", "ClientApiTokenSecretArn", "RingCentralSecretArn"}
    assert secrets_of("CallEventsFunctionRole") == stores | inbound | {
        "WebhookVerificationTokenSecretArn"
    }
    assert secrets_of("SchedulerFunctionRole") == stores | {"RingCentralSecretArn"}
    assert secrets_of("ApiFunctionRole") == stores
    assert "RingCentralSecretArn" in secrets_of("DispatcherFunctionRole")


def test_no_role_gets_a_managed_policy_on_every_queue(transformed: dict[str, Any]) -> None:
    managed = {
        arn
        for resource in transformed["Resources"].values()
        if resource["Type"] == "AWS::IAM::Role"
        for arn in resource["Properties"].get("ManagedPolicyArns", [])
    }

    assert not [arn for arn in managed if "SQS" in arn]


def test_every_function_is_in_the_vpc(transformed: dict[str, Any]) -> None:
    functions = [
        resource["Properties"]
        for resource in transformed["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    ]

    assert all(
        f["VpcConfig"]
        == {"SubnetIds": {"Ref": "SubnetIds"}, "SecurityGroupIds": {"Ref": "SecurityGroupIds"}}
        for f in functions
    )
