"""CloudFormation templates under test: parsed with their short-form intrinsics, and linted.

Both templates (the SAM control plane, the plain media plane) are checked the same way:
`cfn-lint PATH` exactly as a developer or CI would run it, errors and warnings, default
regions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse


def load_template(path: Path) -> dict[str, Any]:
    """The template as CloudFormation reads it (`!Ref x` becomes `{"Ref": "x"}`)."""
    return dict(yaml_parse(path.read_text()))


def cfn_lint(path: Path) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of the venv's `cfn-lint PATH`."""
    linted = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return linted.returncode, linted.stdout, linted.stderr
