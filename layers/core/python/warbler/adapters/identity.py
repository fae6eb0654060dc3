"""Cognito: credentials live there, never in our tables. The Cognito username is our user id,
so API Gateway's authorizer hands us the caller's id as ``cognito:username``."""

from __future__ import annotations

import threading

import boto3
from botocore.exceptions import ClientError

from warbler.errors import InvalidInput, Unauthorized
from warbler.settings import get_settings

_local = threading.local()


def _cognito():
    if getattr(_local, "client", None) is None:
        _local.client = boto3.client("cognito-idp", region_name=get_settings().aws_region)
    return _local.client


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def create_login(user_id: str, handle: str, password: str) -> None:
    s = get_settings()
    try:
        _cognito().admin_create_user(
            UserPoolId=s.user_pool_id,
            Username=user_id,
            UserAttributes=[{"Name": "preferred_username", "Value": handle}],
            MessageAction="SUPPRESS",
        )
        _cognito().admin_set_user_password(
            UserPoolId=s.user_pool_id, Username=user_id, Password=password, Permanent=True
        )
    except ClientError as error:
        if _code(error) == "InvalidPasswordException":
            raise InvalidInput(error.response["Error"].get("Message", "password does not meet the policy")) from error
        raise


def delete_login(user_id: str) -> None:
    try:
        _cognito().admin_delete_user(UserPoolId=get_settings().user_pool_id, Username=user_id)
    except ClientError as error:
        if _code(error) != "UserNotFoundException":
            raise


def authenticate(user_id: str, password: str) -> str:
    """The ID token for these credentials (what the REST API's Cognito authorizer accepts)."""
    s = get_settings()
    try:
        result = _cognito().admin_initiate_auth(
            UserPoolId=s.user_pool_id,
            ClientId=s.user_pool_client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user_id, "PASSWORD": password},
        )
    except ClientError as error:
        if _code(error) in {"NotAuthorizedException", "UserNotFoundException"}:
            raise Unauthorized("invalid handle or password") from error
        raise
    return result["AuthenticationResult"]["IdToken"]
