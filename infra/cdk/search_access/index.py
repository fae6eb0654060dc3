"""Custom resource: create OpenSearch security roles and map IAM roles to them (FGAC).

Runs as the domain's FGAC master user, inside the VPC. ``Roles`` is a list of
``{"Name", "Body", "BackendRoles"}``: each role is written with ``PUT _plugins/_security/api/
roles/<Name>`` and mapped with ``PUT .../rolesmapping/<Name>``. On delete both go, revoking the
functions' access; the master user keeps its own (``all_access`` from the domain's config).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

API = "_plugins/_security/api"


def _call(method: str, endpoint: str, path: str, body: dict[str, Any] | None = None) -> None:
    url = f"https://{endpoint}/{API}/{path}"
    data = json.dumps(body).encode() if body is not None else None
    signed = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
    credentials = boto3.Session().get_credentials()
    SigV4Auth(credentials, "es", os.environ["AWS_REGION"]).add_auth(signed)
    request = urllib.request.Request(url, data=data, headers=dict(signed.headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - https only
            response.read()
    except urllib.error.HTTPError as error:
        if not (method == "DELETE" and error.code == 404):
            raise


def on_event(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    props = event["ResourceProperties"]
    endpoint, roles = props["Endpoint"], props["Roles"]
    for role in roles:
        name = role["Name"]
        if event["RequestType"] == "Delete":
            _call("DELETE", endpoint, f"rolesmapping/{name}")
            _call("DELETE", endpoint, f"roles/{name}")
        else:
            _call("PUT", endpoint, f"roles/{name}", role["Body"])
            _call("PUT", endpoint, f"rolesmapping/{name}", {"backend_roles": list(role["BackendRoles"])})
    return {"PhysicalResourceId": f"{endpoint}/warbler-roles"}
