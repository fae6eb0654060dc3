"""What a deploy ships: the layer carries its dependencies, and ``sam local invoke`` can find code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cfn import logical_id, resources

from infra.cdk import layer
from infra.cdk.config import DeployConfig
from infra.cdk.stack import WarblerStack
from tests.infra.conftest import REPO_ROOT


def test_layer_asset_contains_the_runtime_dependencies(template: dict[str, Any], synth_outdir: Path) -> None:
    resource = template["Resources"][logical_id(template, "CoreLayer", "AWS::Lambda::LayerVersion")]
    assert resource["Metadata"]["aws:asset:property"] == "Content"
    python = synth_outdir / resource["Metadata"]["aws:asset:path"] / "python"
    for module in ("aws_lambda_powertools", "pydantic", "pynamodb", "redis", "opensearchpy", "jwt", "warbler"):
        assert (python / module / "__init__.py").is_file(), module
    # Built for the Lambda platform, not this machine's: compiled wheels are manylinux x86_64.
    assert any(python.glob("pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so"))


def test_every_function_carries_the_asset_metadata_sam_local_reads(
    template: dict[str, Any], synth_outdir: Path
) -> None:
    functions = resources(template, "AWS::Lambda::Function")
    assert functions
    for logical, resource in functions.items():
        metadata = resource.get("Metadata", {})
        if "aws:asset:path" not in metadata:  # inline custom-resource handlers have no asset
            assert "ZipFile" in resource["Properties"]["Code"], logical
            continue
        assert metadata["aws:asset:property"] == "Code", logical
        assert (synth_outdir / metadata["aws:asset:path"]).is_dir(), logical


@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_a_non_dev_synth_with_a_layer_lacking_dependencies_fails(stage: str, tmp_path: Path) -> None:
    app = cdk.App(context={"stage": stage, "layer_dir": str(REPO_ROOT / "layers" / "core"), "alarm_email": "a@b.c"})
    with pytest.raises(
        ValueError, match="lacks aws-lambda-powertools, pydantic, pynamodb, redis, opensearch-py, pyjwt"
    ):
        WarblerStack(app, "Unbuilt", config=DeployConfig.from_context(app.node.try_get_context))


def test_missing_modules_names_what_a_source_only_layer_lacks() -> None:
    assert layer.missing_modules(REPO_ROOT / "layers" / "core") == list(layer.REQUIRED_MODULES.values())
