"""docs/deploy.md names only what the templates have, and gives them what they need.

A newcomer copies these commands; a renamed parameter, output or secret key would fail a
deploy halfway (or, for a JSON secret key, fail every task start). So the guide's
commands are read back against the two templates and the settings.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.config import Settings
from tests.cloudformation import load_template
from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "deploy.md").read_text()
STACKS = {
    "karla-control": ROOT / "template.yaml",
    "karla-media": ROOT / "infra" / "media-plane.yaml",
}


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return {stack: load_template(path) for stack, path in STACKS.items()}


def media_deploy_overrides() -> dict[str, str]:
    """`Name=value` pairs of the first `aws cloudformation deploy` of the media stack."""
    block = GUIDE.split("aws cloudformation deploy --stack-name karla-media", 1)[1]
    block = block.split("aws ecs wait", 1)[0].split("--parameter-overrides", 1)[1]
    return dict(re.findall(r"([A-Za-z]+)=(\S+)", block))


def table_rows(heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after `heading`."""
    section = GUIDE.split(heading, 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    first = section.splitlines().index(lines[0])
    table = []
    for line in section.splitlines()[first:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip("|").split("|")])
    return table[2:]  # without the header and its rule


def test_every_output_the_guide_reads_exists(templates: dict[str, dict[str, Any]]) -> None:
    read = re.findall(r"output (karla-control|karla-media) (\w+)", GUIDE)
    listed = re.findall(r"`output (karla-control|karla-media) <Key>`\): ([^.]+)\.", GUIDE)

    assert read
    for stack, key in read:
        assert key in templates[stack]["Outputs"], f"{stack} has no output {key}"
    for stack, keys in listed:  # "Outputs (...): `A`, `B`" lists them all
        assert set(re.findall(r"`(\w+)`", keys)) == set(templates[stack]["Outputs"])


def test_the_media_deploy_passes_every_required_parameter_and_only_real_ones(
    templates: dict[str, dict[str, Any]],
) -> None:
    parameters = templates["karla-media"]["Parameters"]
    overrides = media_deploy_overrides()

    assert set(overrides) <= set(parameters)
    assert {name for name, spec in parameters.items() if "Default" not in spec} <= set(overrides)


def test_the_media_parameter_table_matches_the_templates_defaults(
    templates: dict[str, dict[str, Any]],
) -> None:
    parameters = templates["karla-media"]["Parameters"]
    for names_cell, defaults_cell, _meaning in table_rows("Everything else has a default"):
        names = re.findall(r"`(\w+)`", names_cell)
        assert set(names) <= set(parameters), names
        defaults = [value.strip(" `") for value in defaults_cell.split(",")]
        if defaults == ["none"]:  # one "none" for a row of optional settings
            defaults *= len(names)
        documented = {
            name: "" if value == "none" else value
            for name, value in zip(names, defaults, strict=True)
        }
        actual = {name: str(parameters[name]["Default"]) for name in names}
        assert {k: v.lower() for k, v in documented.items()} == {
            k: v.lower() for k, v in actual.items()
        }


def test_the_sam_parameter_table_covers_the_control_plane(
    templates: dict[str, dict[str, Any]],
) -> None:
    rows = table_rows("`--guided` asks for each parameter")
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row[0])}

    assert documented == set(templates["karla-control"]["Parameters"])


def secret_json_keys() -> dict[str, set[str]]:
    """Shell variable holding a JSON secret's ARN -> the keys the guide puts in it."""
    created = re.findall(
        r"(\w+_SECRET_ARN)=\$\(aws secretsmanager create-secret --name \S+ \\\n"
        r"\s+--secret-string \"\$\(printf '(\{[^']+\})'",
        GUIDE,
    )
    return {variable: set(re.findall(r'"(\w+)":"%s"', body)) for variable, body in created}


def test_json_secrets_have_exactly_the_keys_the_tasks_read(
    templates: dict[str, dict[str, Any]],
) -> None:
    keys = secret_json_keys()
    task = templates["karla-media"]["Resources"]["MediaTaskDefinition"]["Properties"]
    read: dict[str, set[str]] = {}
    for container in task["ContainerDefinitions"]:
        for secret in container.get("Secrets", []):
            where = secret["ValueFrom"]
            match = re.fullmatch(r"\$\{(\w+)\}:(\w+)::", where.get("Fn::Sub", ""))
            if match:
                read.setdefault(match[1], set()).add(match[2])
    passed = {
        parameter: variable.lstrip("$") for parameter, variable in media_deploy_overrides().items()
    }

    assert read  # the provider keys and the bridge's SIP login
    for parameter, wanted in read.items():
        assert keys[passed[parameter]] == wanted, parameter


def test_the_control_planes_ringcentral_secret_keys_are_settings() -> None:
    """The Lambdas turn each key of a JSON secret into the variable of that name."""
    settings = {name.upper() for name in Settings.model_fields}
    ringcentral = secret_json_keys()["RINGCENTRAL_SECRET_ARN"]

    assert ringcentral <= settings
    assert "RINGCENTRAL_BRIDGE_DEVICE_ID" in ringcentral  # what call-out dials from


def test_commands_name_real_functions_and_the_api_token_parameter(
    templates: dict[str, dict[str, Any]],
) -> None:
    functions = {
        name
        for name, resource in templates["karla-control"]["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    for name in re.findall(r"sam (?:logs .*?--name|local invoke) (\w+)", GUIDE):
        assert name in functions
    api_token = {templates[stack]["Parameters"]["ApiTokenParameter"]["Default"] for stack in STACKS}
    assert api_token == set(re.findall(r"ssm (?:put|get)-parameter --name (\S+)", GUIDE))
