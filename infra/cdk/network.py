"""The VPC that only the Redis/OpenSearch functions join, its endpoints, Redis and OpenSearch.

Placement rule (from the catalog): a function runs in the VPC iff it has a ``redis`` or
``opensearch`` grant. Everything else stays outside, keeping cold starts and the NAT bill small.

Inside, two placements:
- Functions that push over WebSocket (``websocket`` grant) sit in the ``app`` subnets, whose
  route leads to a NAT gateway: the ``@connections`` Management API is not served through an
  ``execute-api`` PrivateLink endpoint (that serves private REST APIs only), and private DNS on
  one would hijack every ``*.execute-api`` hostname in the VPC. Their security group adds HTTPS
  to anywhere. One NAT gateway per AZ for prod; one shared otherwise (pushes are best-effort and
  a client resyncs on reconnect).
- Every other VPC function sits in the isolated ``data`` subnets, and its security group allows
  egress only to the interface endpoints, Redis (6379), OpenSearch (443) and the DynamoDB
  gateway endpoint's prefix list (443).

How VPC functions reach AWS APIs:
- DynamoDB: a gateway endpoint (free, route-table based).
- S3: a gateway endpoint too, when a VPC function has a bucket grant (the admin API reads the
  reports, the segmenter writes the daily segment counts); its policy names this stack's buckets.
- Kinesis, Cognito, X-Ray, Secrets Manager (the Redis AUTH token): interface endpoints, created
  when some VPC function's grants need them. Each endpoint's policy names this stack's
  resources only (X-Ray has no resource-level permissions, so only its write actions).
- CloudWatch Logs / Monitoring: no endpoint. Lambda ships stdout to Logs itself, and Powertools
  metrics are embedded-metric-format log lines, so no function calls those APIs.
- SQS: no endpoint. No function sends to SQS; the stream-failure queue is written by the
  event-source-mapping poller, which runs in the Lambda service, not in the function's ENI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import CfnDeletionPolicy, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra import catalog
from infra.cdk.config import DeployConfig
from infra.cdk.log_groups import retention

REDIS_PORT = 6379
HTTPS = ec2.Port.tcp(443)
_ISOLATED = ec2.SubnetType.PRIVATE_ISOLATED
_EGRESS = ec2.SubnetType.PRIVATE_WITH_EGRESS
AZS = 2


def _kind(grant: catalog.Grant) -> str:
    return grant.resource.split(":", 1)[0]


def pushes(spec: catalog.Function) -> bool:
    return any(_kind(g) == "websocket" for g in spec.grants)


@dataclass(frozen=True)
class VpcNeeds:
    """What the VPC must provide, derived from the grants of the functions placed in it."""

    dynamodb: bool = False
    kinesis: bool = False
    cognito: bool = False
    secrets: bool = False
    egress: bool = False
    s3: bool = False

    @classmethod
    def of(cls, functions: tuple[catalog.Function, ...]) -> VpcNeeds | None:
        inside = [f for f in functions if f.needs_vpc]
        if not inside:
            return None
        kinds = {_kind(g) for f in inside for g in f.grants}
        return cls(
            dynamodb="table" in kinds,
            kinesis="stream" in kinds,
            cognito="cognito" in kinds,
            secrets="redis" in kinds,
            egress=any(pushes(f) for f in inside),
            s3="bucket" in kinds,
        )


@dataclass(frozen=True)
class EndpointScope:
    """The stack's resources the VPC endpoints' policies allow (nothing else in the account)."""

    table_arns: list[str]
    stream_arns: list[str]
    user_pool_arn: str
    secret_arns: list[str]
    bucket_arns: list[str]


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, needs: VpcNeeds, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        self.needs = needs
        subnets = [ec2.SubnetConfiguration(name="data", subnet_type=_ISOLATED, cidr_mask=24)]
        if needs.egress:
            subnets += [
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(name="app", subnet_type=_EGRESS, cidr_mask=22),
            ]
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
            max_azs=AZS,
            nat_gateways=config.nat_gateway_count(AZS) if needs.egress else 0,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
        )
        if config.vpc_flow_logs != "NONE":
            self.vpc.add_flow_log(
                "FlowLog",
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                    logs.LogGroup(
                        self,
                        "FlowLogs",
                        retention=retention(config.log_retention_days),
                        removal_policy=RemovalPolicy.DESTROY,
                    )
                ),
                traffic_type=ec2.FlowLogTrafficType[config.vpc_flow_logs],
            )
        self.data_subnets = ec2.SubnetSelection(subnet_type=_ISOLATED)
        # Functions that reach only AWS endpoints and the data stores.
        self.function_security_group = ec2.SecurityGroup(
            self,
            "FunctionSecurityGroup",
            vpc=self.vpc,
            description="Warbler functions in the VPC: endpoints and data stores only",
            allow_all_outbound=False,
        )
        self.security_groups = [self.function_security_group]
        self.pusher_security_group: ec2.SecurityGroup | None = None
        if needs.egress:
            self.pusher_security_group = ec2.SecurityGroup(
                self,
                "PusherSecurityGroup",
                vpc=self.vpc,
                description="Warbler functions that push over WebSocket: data stores, endpoints, HTTPS out",
                allow_all_outbound=False,
            )
            self.pusher_security_group.add_egress_rule(ec2.Peer.any_ipv4(), HTTPS, "WebSocket @connections via NAT")
            self.security_groups.append(self.pusher_security_group)

        self.dynamodb_endpoint: ec2.GatewayVpcEndpoint | None = None
        self.s3_endpoint: ec2.GatewayVpcEndpoint | None = None
        routed = [self.data_subnets] + ([ec2.SubnetSelection(subnet_type=_EGRESS)] if needs.egress else [])

        def gateway_endpoint(name: str, label: str, aws_service: ec2.GatewayVpcEndpointAwsService):
            """A gateway endpoint on the routed subnets, and HTTPS to its prefix list from every group."""
            endpoint = self.vpc.add_gateway_endpoint(f"{name}Endpoint", service=aws_service, subnets=routed)
            prefix_list = _prefix_list(self, label.lower(), f"{name}PrefixList")
            for group in self.security_groups:
                group.add_egress_rule(ec2.Peer.prefix_list(prefix_list), HTTPS, f"{label} gateway endpoint")
            return endpoint

        if needs.dynamodb:
            self.dynamodb_endpoint = gateway_endpoint("DynamoDb", "DynamoDB", ec2.GatewayVpcEndpointAwsService.DYNAMODB)
        if needs.s3:
            self.s3_endpoint = gateway_endpoint("S3", "S3", ec2.GatewayVpcEndpointAwsService.S3)
        interfaces = {"XRay": ec2.InterfaceVpcEndpointAwsService.XRAY}
        if needs.kinesis:
            interfaces["Kinesis"] = ec2.InterfaceVpcEndpointAwsService.KINESIS_STREAMS
        if needs.cognito:
            interfaces["CognitoIdp"] = ec2.InterfaceVpcEndpointAwsService.COGNITO_IDP
        if needs.secrets:
            interfaces["SecretsManager"] = ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name, service in interfaces.items():
            endpoint = self.vpc.add_interface_endpoint(
                f"{name}Endpoint",
                service=service,
                subnets=self.data_subnets,
                private_dns_enabled=True,
                open=False,  # only our functions, not the whole VPC CIDR
            )
            for group in self.security_groups:
                endpoint.connections.allow_default_port_from(group)
            self.endpoints[name] = endpoint

    def placement(self, spec: catalog.Function) -> dict[str, object]:
        """``vpc``/``vpc_subnets``/``security_groups`` for a VPC function."""
        if pushes(spec):
            assert self.pusher_security_group is not None
            return {
                "vpc": self.vpc,
                "vpc_subnets": ec2.SubnetSelection(subnet_type=_EGRESS),
                "security_groups": [self.pusher_security_group],
            }
        return {"vpc": self.vpc, "vpc_subnets": self.data_subnets, "security_groups": [self.function_security_group]}

    def admit(self, security_group: ec2.SecurityGroup, port: ec2.Port, description: str) -> None:
        """Let every VPC function reach ``security_group`` on ``port`` (ingress there, egress here)."""
        for group in self.security_groups:
            security_group.connections.allow_from(group, port, description)

    def scope_endpoints(self, scope: EndpointScope) -> None:
        """Endpoint policies: this stack's tables, streams, user pool and secrets only."""

        def allow(actions: list[str], resources: list[str]) -> iam.PolicyStatement:
            return iam.PolicyStatement(principals=[iam.AnyPrincipal()], actions=actions, resources=resources)

        if self.dynamodb_endpoint is not None:
            tables = [arn for t in scope.table_arns for arn in (t, f"{t}/index/*", f"{t}/stream/*")]
            self.dynamodb_endpoint.add_to_policy(allow(["dynamodb:*"], tables))
        if self.s3_endpoint is not None:
            objects = [arn for b in scope.bucket_arns for arn in (b, f"{b}/*")]
            self.s3_endpoint.add_to_policy(allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], objects))
        policies = {
            "Kinesis": allow(["kinesis:*"], scope.stream_arns),
            "CognitoIdp": allow(["cognito-idp:*"], [scope.user_pool_arn]),
            "SecretsManager": allow(["secretsmanager:GetSecretValue"], scope.secret_arns),
            "XRay": allow(
                [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                ],
                ["*"],
            ),
        }
        for name, endpoint in self.endpoints.items():
            endpoint.add_to_policy(policies[name])


def _prefix_list(scope: Construct, service: str, construct_id: str) -> str:
    """The region's prefix list id of a gateway endpoint's service: CloudFormation can't name it,
    so ask EC2 at deploy."""
    name = f"com.amazonaws.{Stack.of(scope).region}.{service}"
    call = cr.AwsSdkCall(
        service="EC2",
        action="describeManagedPrefixLists",
        parameters={"Filters": [{"Name": "prefix-list-name", "Values": [name]}]},
        physical_resource_id=cr.PhysicalResourceId.of(name),
        output_paths=["PrefixLists.0.PrefixListId"],
    )
    lookup = cr.AwsCustomResource(
        scope,
        construct_id,
        on_create=call,
        on_update=call,
        policy=cr.AwsCustomResourcePolicy.from_statements(
            [iam.PolicyStatement(actions=["ec2:DescribeManagedPrefixLists"], resources=["*"])]
        ),
        install_latest_aws_sdk=False,
    )
    return lookup.get_response_field("PrefixLists.0.PrefixListId")


class Redis(Construct):
    """A cluster-mode-enabled replication group with TLS and an AUTH token.

    Cluster mode, because the timeline store grows with users (800 ids per home timeline) and
    fan-out is write-heavy: shards add memory and write throughput, which a single primary
    can't. The adapter already uses hash-tagged keys so multi-key scripts stay on one slot,
    and reaches the cluster through the configuration endpoint (WARBLER_REDIS_CLUSTER=true).
    The AUTH token is generated into Secrets Manager; functions read it at start-up
    (WARBLER_REDIS_AUTH_SECRET_ARN). Deleting the stack (or replacing the group) snapshots it.
    """

    def __init__(self, scope: Construct, construct_id: str, *, network: Network, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description="Warbler Redis: reachable from Warbler functions only",
            allow_all_outbound=False,
        )
        network.admit(self.security_group, ec2.Port.tcp(REDIS_PORT), "Warbler functions")
        self.auth_secret = secretsmanager.Secret(
            self,
            "AuthToken",
            description=f"Warbler {config.stage} Redis AUTH token",
            # ElastiCache allows printable ASCII except / " @ and spaces; alphanumerics are safe.
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=64),
            removal_policy=RemovalPolicy.DESTROY,
        )
        subnet_group = elasticache.CfnSubnetGroup(
            self,
            "SubnetGroup",
            description="Warbler Redis isolated subnets",
            subnet_ids=network.vpc.select_subnets(subnet_type=_ISOLATED).subnet_ids,
        )
        # Named, so node ids (<group>-0001-001 ...) are known to the alarms.
        self.group_id = f"warbler-{config.stage}".lower()[:40]
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_id=self.group_id,
            replication_group_description=f"Warbler {config.stage} timelines and counters",
            engine="redis",
            engine_version="7.1",
            cache_node_type=config.redis_node_type,
            cache_parameter_group_name="default.redis7.cluster.on",
            num_node_groups=config.redis_shards,
            replicas_per_node_group=config.redis_replicas_per_shard,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=True,
            auth_token=self.auth_secret.secret_value.unsafe_unwrap(),  # a {{resolve:secretsmanager}} reference
            port=REDIS_PORT,
            cache_subnet_group_name=subnet_group.ref,
            security_group_ids=[self.security_group.security_group_id],
            auto_minor_version_upgrade=True,
            # Timelines can be rebuilt from DynamoDB; a daily snapshot only shortens the rebuild.
            snapshot_retention_limit=1,
        )
        self.replication_group.cfn_options.deletion_policy = CfnDeletionPolicy.SNAPSHOT
        self.replication_group.cfn_options.update_replace_policy = CfnDeletionPolicy.SNAPSHOT
        self.url = (
            f"rediss://{self.replication_group.attr_configuration_end_point_address}"
            f":{self.replication_group.attr_configuration_end_point_port}"
        )
        self.cluster = True
        self.node_ids = [
            f"{self.group_id}-{shard:04d}-{node:03d}"
            for shard in range(1, config.redis_shards + 1)
            for node in range(1, config.redis_replicas_per_shard + 2)
        ]


# FGAC roles by the catalog grant's access level. Index names are warbler-<stage>-<name>[-vN]
# (warbler.adapters.opensearch.alias/concrete), so each role is limited to the stage's indices.
_LOOKUP = ["indices:admin/get", "indices:admin/exists", "indices:admin/aliases/get", "indices:monitor/*"]
SEARCH_ROLES = {
    "read": {
        "cluster_permissions": ["cluster_composite_ops_ro"],
        "allowed_actions": ["read", "search", *_LOOKUP],
    },
    "write": {
        "cluster_permissions": ["cluster_composite_ops", "indices:data/write/reindex", "indices:data/write/bulk"],
        "allowed_actions": [
            "crud",
            "create_index",
            "indices:admin/aliases*",
            "indices:admin/mapping/put",
            "indices:admin/refresh*",
            *_LOOKUP,
        ],
    },
}
SEARCH_HTTP = {
    "read": ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"],  # a search is a POST
    "write": ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
}


class Search(Construct):
    """An OpenSearch domain in the VPC with fine-grained access control.

    The FGAC master user is the role of a small custom-resource function that creates two
    security roles and maps the functions' IAM roles to them by their grant's access level:
    ``warbler_reader`` (search and read the stage's indices) and ``warbler_writer`` (index,
    create indices, move aliases, reindex: the indexer and the backfill). No function is mapped
    to ``all_access``. IAM stays the outer gate: ``es:ESHttp*`` on this domain only, read
    methods for readers.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: Network,
        config: DeployConfig,
        runtime: lambda_.Runtime,
    ) -> None:
        super().__init__(scope, construct_id)
        self._stage = config.stage.lower()
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=network.vpc, description="Warbler OpenSearch", allow_all_outbound=False
        )
        network.admit(self.security_group, HTTPS, "HTTPS from Warbler functions")
        self.role_mapper_security_group = ec2.SecurityGroup(
            self,
            "RoleMapperSecurityGroup",
            vpc=network.vpc,
            description="Warbler OpenSearch role mapper: the domain only",
            allow_all_outbound=False,
        )
        self.security_group.connections.allow_from(self.role_mapper_security_group, HTTPS, "HTTPS from the mapper")

        self.role_mapper = lambda_.Function(
            self,
            "RoleMapper",
            description="Creates the Warbler OpenSearch roles and maps function roles to them (FGAC master).",
            runtime=runtime,
            handler="index.on_event",
            code=lambda_.Code.from_asset(str(Path(__file__).parent / "search_access")),
            timeout=Duration.seconds(60),
            vpc=network.vpc,
            vpc_subnets=network.data_subnets,
            security_groups=[self.role_mapper_security_group],
            reserved_concurrent_executions=1,
        )
        assert self.role_mapper.role is not None

        def log_group(name: str) -> logs.LogGroup:
            return logs.LogGroup(
                self, name, retention=retention(config.log_retention_days), removal_policy=RemovalPolicy.DESTROY
            )

        masters = config.search_master_nodes
        self.domain = opensearch.Domain(
            self,
            "Domain",
            version=opensearch.EngineVersion.OPENSEARCH_2_19,
            capacity=opensearch.CapacityConfig(
                data_nodes=AZS,
                data_node_instance_type=config.search_instance_type,
                master_nodes=masters or None,
                master_node_instance_type=config.search_master_instance_type if masters else None,
                multi_az_with_standby_enabled=False,
            ),
            ebs=opensearch.EbsOptions(volume_size=config.opensearch_volume_gb, volume_type=ec2.EbsDeviceVolumeType.GP3),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=True, availability_zone_count=AZS),
            vpc=network.vpc,
            vpc_subnets=[network.data_subnets],
            security_groups=[self.security_group],
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            fine_grained_access_control=opensearch.AdvancedSecurityOptions(
                master_user_arn=self.role_mapper.role.role_arn
            ),
            logging=opensearch.LoggingOptions(
                app_log_enabled=True,
                app_log_group=log_group("AppLogs"),
                slow_search_log_enabled=True,
                slow_search_log_group=log_group("SlowSearchLogs"),
                slow_index_log_enabled=True,
                slow_index_log_group=log_group("SlowIndexLogs"),
                audit_log_enabled=True,
                audit_log_group=log_group("AuditLogs"),
            ),
            # The index is derived (the backfill rebuilds it from DynamoDB), but rebuilding a
            # production index takes hours: outside dev the domain and its snapshots stay.
            removal_policy=RemovalPolicy.DESTROY if config.stage == "dev" else RemovalPolicy.RETAIN,
        )
        self.domain.grant_read_write(self.role_mapper)
        self.url = f"https://{self.domain.domain_endpoint}"
        self._mapped: dict[str, list[iam.IRole]] = {"read": [], "write": []}

    def grant(self, role: iam.IRole, access: str) -> None:
        """IAM half of an ``opensearch`` grant; ``map_roles`` does the FGAC half."""
        level = "write" if access in {"write", "readwrite"} else "read"
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=SEARCH_HTTP[level], resources=[f"{self.domain.domain_arn}/*"])
        )
        self._mapped[level].append(role)

    def map_roles(self) -> None:
        provider = cr.Provider(self, "RoleMappingProvider", on_event_handler=self.role_mapper)
        patterns = [f"warbler-{self._stage}-*"]
        roles = [
            {
                "Name": f"warbler_{'reader' if level == 'read' else 'writer'}",
                "Body": {
                    "cluster_permissions": spec["cluster_permissions"],
                    "index_permissions": [{"index_patterns": patterns, "allowed_actions": spec["allowed_actions"]}],
                },
                "BackendRoles": [r.role_arn for r in self._mapped[level]],
            }
            for level, spec in SEARCH_ROLES.items()
        ]
        mapping = CustomResource(
            self,
            "RoleMapping",
            service_token=provider.service_token,
            properties={"Endpoint": self.domain.domain_endpoint, "Roles": roles},
        )
        mapping.node.add_dependency(self.domain)
