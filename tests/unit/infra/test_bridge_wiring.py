"""The bridge container gets exactly the variables bridge/src/config.js reads.

The bridge refuses to start without a required variable, and silently ignores one it does
not know; either way a task would fail or misbehave only once deployed. So the names the
template sets are read back against the bridge's own configuration loader.
"""

from __future__ import annotations

import re
from typing import Any

from tests.cloudformation import load_template
from tests.conftest import ROOT

BRIDGE_CONFIG = ROOT / "bridge" / "src" / "config.js"


def bridge_container() -> dict[str, Any]:
    task = load_template(ROOT / "infra" / "media-plane.yaml")["Resources"]["MediaTaskDefinition"]
    containers = task["Properties"]["ContainerDefinitions"]
    return dict(next(c for c in containers if c["Name"] == "bridge"))


def test_the_template_sets_every_variable_the_bridge_requires_and_no_other() -> None:
    source = BRIDGE_CONFIG.read_text()
    required = set(re.findall(r'required\("([A-Z_]+)"\)', source))
    optional = set(re.findall(r'seconds\("([A-Z_]+)"', source)) | set(
        re.findall(r"env\.([A-Z_]+)", source)
    )
    container = bridge_container()
    given = {e["Name"] for e in container["Environment"]} | {
        s["Name"] for s in container["Secrets"]
    }

    assert {"MEDIA_SERVER_URL", "REDIS_URL", "SIP_INFO_PASSWORD"} <= required
    assert required <= given
    assert given <= required | optional
