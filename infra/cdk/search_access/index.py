"""Custom resource: map IAM roles to an OpenSearch security role (FGAC ``rolesmapping``).

Runs as the domain's FGAC master user, inside the VPC. On delete the mapping is reduced to the
master alone, revoking the functions' access without locking the master out.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def _put_mapping(endpoint: str, role: str, backend_roles: list[str]) -> None:
    url = f"https://{endpoint}/_plugins/_security/api/rolesmapping/{role}"
    body = json.dumps({"backend_roles": backend_roles}).encode()
    signed = AWSRequest(method="PUT", url=url, data=body, headers={"Content-Type": "application/json"})
    credentials = boto3.Session().get_credentials()
    SigV4Auth(credentials, "es", os.environ["AWS_REGION"]).add_auth(signed)
    request = urllib.request.Request(url, data=body, headers=dict(signed.headers), method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - https only
        response.read()


def on_event(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    props = event["ResourceProperties"]
    endpoint, role, backend_roles = props["Endpoint"], props["Role"], list(props["BackendRoles"])
    if event["RequestType"] == "Delete":
        backend_roles = backend_roles[:1]  # the master role is listed first
    _put_mapping(endpoint, role, backend_roles)
    return {"PhysicalResourceId": f"{endpoint}/rolesmapping/{role}"}
