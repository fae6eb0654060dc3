"""Secrets Manager: the one read Warbler makes (the Redis AUTH token, once per cold start)."""

from __future__ import annotations

import boto3

from warbler.settings import get_settings


def read(secret_arn: str) -> str:
    """The secret's current string value."""
    client = boto3.client("secretsmanager", region_name=get_settings().aws_region)
    return str(client.get_secret_value(SecretId=secret_arn)["SecretString"])
