"""The Cognito user pool behind the REST authorizer and the ``auth`` function."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        # No user pool domain (hosted UI), on purpose: a pool with a domain can't be reached
        # through the cognito-idp PrivateLink endpoint the in-VPC auth function relies on.
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"warbler-{stage}",
            # The auth function creates users with AdminCreateUser after claiming the handle in
            # DynamoDB, so Cognito's own sign-up endpoint must stay closed.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            sign_in_case_sensitive=False,
            password_policy=cognito.PasswordPolicy(
                min_length=8,
                require_lowercase=False,
                require_uppercase=False,
                require_digits=False,
                require_symbols=False,
            ),
            account_recovery=cognito.AccountRecovery.NONE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "AppClient",
            auth_flows=cognito.AuthFlow(admin_user_password=True, user_password=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
        )
