"""Read a synthesized template the way the tests think about it: by catalog name.

Logical ids follow the construct tree (``<Function>/Function`` -> ``UsersFunction1A2B3C4D``),
so a catalog name maps to its resources without relying on path metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from infra.cdk.naming import pascal

Template = dict[str, Any]


def with_nested(template: Template, nested: dict[str, Template]) -> Template:
    """``template`` with the resources of its nested stacks (construct id -> template) merged in,
    each nested parameter replaced by the value the parent passes it: one template to query
    across stacks (a route in the parent and one in a nested stack read alike)."""
    merged = {**template, "Resources": dict(template["Resources"])}
    for node_id, child in nested.items():
        (resource,) = [
            r
            for lid, r in template["Resources"].items()
            if r["Type"] == "AWS::CloudFormation::Stack" and f"{node_id}NestedStack{node_id}NestedStackResource" in lid
        ]
        passed = resource["Properties"].get("Parameters", {})
        text = json.dumps(child["Resources"])
        for name, value in passed.items():
            text = text.replace(json.dumps({"Ref": name}), json.dumps(value))
        clashes = set(merged["Resources"]) & set(json.loads(text))
        assert not clashes, f"{node_id} repeats logical ids of its parent: {sorted(clashes)}"
        merged["Resources"].update(json.loads(text))
    return merged


def resources(template: Template, type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def logical_id(template: Template, prefix: str, type_: str) -> str:
    pattern = re.compile(rf"^{re.escape(prefix)}[0-9A-F]{{8}}$")
    matches = [k for k in resources(template, type_) if pattern.match(k)]
    assert len(matches) == 1, f"expected one {type_} named {prefix}*, found {matches}"
    return matches[0]


def function_id(template: Template, name: str) -> str:
    return logical_id(template, f"{pascal(name)}Function", "AWS::Lambda::Function")


def function_props(template: Template, name: str) -> dict[str, Any]:
    return template["Resources"][function_id(template, name)]["Properties"]


def log_group_of(template: Template, function_logs: Template, logical: str) -> dict[str, Any]:
    """The log group a function writes to: its own (custom-resource providers) or, for catalog
    functions, the one the FunctionLogs nested stack exports to it."""
    ref = template["Resources"][logical]["Properties"]["LoggingConfig"]["LogGroup"]
    if "Ref" in ref:
        return template["Resources"][ref["Ref"]]
    nested, output = ref["Fn::GetAtt"]
    assert template["Resources"][nested]["Type"] == "AWS::CloudFormation::Stack", ref
    exported = function_logs["Outputs"][output.removeprefix("Outputs.")]["Value"]["Ref"]
    return function_logs["Resources"][exported]


def table_id(template: Template, name: str) -> str:
    return logical_id(template, f"Data{pascal(name)}Table", "AWS::DynamoDB::Table")


def stream_id(template: Template, name: str) -> str:
    return logical_id(template, f"Data{pascal(name)}Stream", "AWS::Kinesis::Stream")


def references(value: Any, logical: str) -> bool:
    """Whether ``value`` (any template fragment) Refs or GetAtts ``logical``."""
    text = json.dumps(value)
    return f'{{"Ref": "{logical}"}}' in text or f'"Fn::GetAtt": ["{logical}"' in text


def role_statements(template: Template, function_name: str) -> list[dict[str, Any]]:
    """Every Allow statement attached to the function's execution role."""
    role = template["Resources"][function_id(template, function_name)]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if any(r == {"Ref": role} for r in policy["Properties"]["Roles"]):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions_on(template: Template, function_name: str, logical: str | None = None) -> set[str]:
    """Actions the function may perform, optionally only those on resources of ``logical``."""
    found: set[str] = set()
    for statement in role_statements(template, function_name):
        if logical is not None and not references(statement.get("Resource"), logical):
            continue
        actions = statement["Action"]
        found.update([actions] if isinstance(actions, str) else actions)
    return found


def rest_routes(template: Template) -> dict[tuple[str, str], dict[str, Any]]:
    """``(METHOD, /path/{param})`` -> the AWS::ApiGateway::Method properties."""
    api_resources = resources(template, "AWS::ApiGateway::Resource")

    def path_of(resource_ref: dict[str, Any]) -> str:
        if "Ref" not in resource_ref:  # Fn::GetAtt [RestApi, RootResourceId]
            return ""
        props = api_resources[resource_ref["Ref"]]["Properties"]
        return f"{path_of(props['ParentId'])}/{props['PathPart']}"

    return {
        (m["Properties"]["HttpMethod"], path_of(m["Properties"]["ResourceId"]) or "/"): m["Properties"]
        for m in resources(template, "AWS::ApiGateway::Method").values()
    }


def event_source_mappings(template: Template, function_name: str) -> Iterator[dict[str, Any]]:
    fn = function_id(template, function_name)
    for esm in resources(template, "AWS::Lambda::EventSourceMapping").values():
        if esm["Properties"]["FunctionName"] == {"Ref": fn}:
            yield esm["Properties"]
