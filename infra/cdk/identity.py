"""The Cognito user pool behind the REST authorizer and the ``auth`` function.

The API is the only way in: the ``auth`` function creates users (``AdminCreateUser`` after
claiming the handle in DynamoDB) and logs them in with ``ADMIN_USER_PASSWORD_AUTH``, a flow only
IAM principals can call. So the app client allows that flow (and refresh) only: with
``ALLOW_USER_PASSWORD_AUTH`` anyone holding the public client id could authenticate against
Cognito directly, bypassing the API's rules and limits. There is no hosted UI, so no OAuth.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.cdk.config import Settings


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, threat_protection: bool = True) -> None:
        super().__init__(scope, construct_id)
        protection: dict[str, object] = {}
        if threat_protection:
            # Plus tier: blocks sign-ins with compromised credentials and adaptive risk checks
            # (a per-MAU cost; -c threat_protection=false drops to Essentials).
            protection = {
                "feature_plan": cognito.FeaturePlan.PLUS,
                "standard_threat_protection_mode": cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            }
        # No user pool domain (hosted UI), on purpose: a pool with a domain can't be reached
        # through the cognito-idp PrivateLink endpoint the in-VPC auth function relies on.
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"warbler-{stage}",
            # Cognito's own sign-up endpoint stays closed: users are created through the API only.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            sign_in_case_sensitive=False,
            # Length over composition rules (NIST 800-63B); the compromised-credential check
            # above rejects known-breached passwords.
            password_policy=cognito.PasswordPolicy(
                min_length=Settings.password_min_length,
                require_lowercase=False,
                require_uppercase=False,
                require_digits=False,
                require_symbols=False,
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.NONE,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            **protection,  # type: ignore[arg-type]
        )
        # The handle is preferred_username, owned by the handles table: nobody writes attributes
        # through the client (the auth function's admin calls are not bound by this list).
        self.client = self.user_pool.add_client(
            "AppClient",
            auth_flows=cognito.AuthFlow(admin_user_password=True),
            disable_o_auth=True,
            generate_secret=False,
            prevent_user_existence_errors=True,
            read_attributes=cognito.ClientAttributes().with_standard_attributes(preferred_username=True),
            write_attributes=cognito.ClientAttributes(),
            enable_token_revocation=True,
        )
