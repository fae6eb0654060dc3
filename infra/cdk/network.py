"""The VPC that only the Redis/OpenSearch functions join, its endpoints, Redis and OpenSearch.

Placement rule (from the catalog): a function runs in the VPC iff it has a ``redis`` or
``opensearch`` grant. Everything else stays outside, keeping cold starts and the NAT bill small.

How VPC functions reach AWS APIs, decided here rather than discovered in production:
- DynamoDB: a gateway endpoint (free, route-table based).
- Kinesis, Cognito, X-Ray: interface endpoints, created only when some VPC function's grants
  need them (X-Ray always, since every function traces).
- CloudWatch Logs / Monitoring: no endpoint. Lambda ships stdout to Logs itself, and Powertools
  metrics are embedded-metric-format log lines, so no function calls those APIs.
- SQS: no endpoint. No function sends to SQS; the stream-failure queue is written by the
  event-source-mapping poller, which runs in the Lambda service, not in the function's ENI.
- The WebSocket Management API (``@connections``): not reachable through an ``execute-api``
  interface endpoint (PrivateLink serves private REST APIs only), and private DNS on such an
  endpoint would hijack every ``*.execute-api`` hostname in the VPC, breaking calls to our own
  public APIs. So if a VPC function has the ``websocket`` grant, the VPC gets private subnets
  with egress through ONE NAT gateway (a deliberate cost/availability trade: pushes are
  best-effort and the client resyncs on reconnect). With no such function there is no NAT and
  the functions sit in isolated subnets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra import catalog
from infra.cdk.config import DeployConfig

REDIS_PORT = 6379
_ISOLATED = ec2.SubnetType.PRIVATE_ISOLATED
_EGRESS = ec2.SubnetType.PRIVATE_WITH_EGRESS


def _kind(grant: catalog.Grant) -> str:
    return grant.resource.split(":", 1)[0]


@dataclass(frozen=True)
class VpcNeeds:
    """What the VPC must provide, derived from the grants of the functions placed in it."""

    dynamodb: bool = False
    kinesis: bool = False
    cognito: bool = False
    egress: bool = False

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
            egress="websocket" in kinds,
        )


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, needs: VpcNeeds) -> None:
        super().__init__(scope, construct_id)
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
            max_azs=2,
            nat_gateways=1 if needs.egress else 0,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
        )
        # Functions share the data subnets when they need no internet; else the egress ones.
        self.function_subnets = ec2.SubnetSelection(subnet_type=_EGRESS if needs.egress else _ISOLATED)
        self.data_subnets = ec2.SubnetSelection(subnet_type=_ISOLATED)
        self.function_security_group = ec2.SecurityGroup(
            self, "FunctionSecurityGroup", vpc=self.vpc, description="Warbler functions in the VPC"
        )

        if needs.dynamodb:
            self.vpc.add_gateway_endpoint(
                "DynamoDbEndpoint",
                service=ec2.GatewayVpcEndpointAwsService.DYNAMODB,
                subnets=[self.function_subnets],
            )
        interfaces = {"XRay": ec2.InterfaceVpcEndpointAwsService.XRAY}
        if needs.kinesis:
            interfaces["Kinesis"] = ec2.InterfaceVpcEndpointAwsService.KINESIS_STREAMS
        if needs.cognito:
            interfaces["CognitoIdp"] = ec2.InterfaceVpcEndpointAwsService.COGNITO_IDP
        for name, service in interfaces.items():
            endpoint = self.vpc.add_interface_endpoint(
                f"{name}Endpoint",
                service=service,
                subnets=self.function_subnets,
                private_dns_enabled=True,
                open=False,  # only our functions, not the whole VPC CIDR
            )
            endpoint.connections.allow_default_port_from(self.function_security_group)


class Redis(Construct):
    """A cluster-mode-enabled replication group.

    Cluster mode, because the timeline store grows with users (800 ids per home timeline) and
    fan-out is write-heavy: shards add memory and write throughput, which a single primary
    can't. The adapter already uses hash-tagged keys so multi-key scripts stay on one slot,
    and reaches the cluster through the configuration endpoint (WARBLER_REDIS_CLUSTER=true).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: Network,
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description="Warbler Redis: reachable from Warbler functions only",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(
            network.function_security_group, ec2.Port.tcp(REDIS_PORT), "Warbler functions"
        )
        subnet_group = elasticache.CfnSubnetGroup(
            self,
            "SubnetGroup",
            description="Warbler Redis isolated subnets",
            subnet_ids=network.vpc.select_subnets(subnet_type=_ISOLATED).subnet_ids,
        )
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
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
            port=REDIS_PORT,
            cache_subnet_group_name=subnet_group.ref,
            security_group_ids=[self.security_group.security_group_id],
            auto_minor_version_upgrade=True,
            # Timelines can be rebuilt from DynamoDB; a daily snapshot only shortens the rebuild.
            snapshot_retention_limit=1,
        )
        self.url = (
            f"rediss://{self.replication_group.attr_configuration_end_point_address}"
            f":{self.replication_group.attr_configuration_end_point_port}"
        )
        self.cluster = True


class Search(Construct):
    """An OpenSearch domain in the VPC with fine-grained access control.

    The FGAC master user is the role of a small custom-resource function that maps the roles
    of the functions holding the ``opensearch`` grant to ``all_access`` (they own the indices).
    IAM stays the outer gate: those roles get ``es:ESHttp*`` on this domain only.
    The index is derived from DynamoDB and can be rebuilt, so the domain is not retained.
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
        self._network = network
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=network.vpc, description="Warbler OpenSearch", allow_all_outbound=False
        )
        self.role_mapper_security_group = ec2.SecurityGroup(
            self, "RoleMapperSecurityGroup", vpc=network.vpc, description="Warbler OpenSearch role mapper"
        )
        for peer in (network.function_security_group, self.role_mapper_security_group):
            self.security_group.add_ingress_rule(peer, ec2.Port.tcp(443), "HTTPS from Warbler")

        self.role_mapper = lambda_.Function(
            self,
            "RoleMapper",
            description="Maps Warbler function roles to OpenSearch all_access (FGAC master).",
            runtime=runtime,
            handler="index.on_event",
            code=lambda_.Code.from_asset(str(Path(__file__).parent / "search_access")),
            timeout=Duration.seconds(60),
            vpc=network.vpc,
            vpc_subnets=network.data_subnets,
            security_groups=[self.role_mapper_security_group],
        )
        assert self.role_mapper.role is not None
        self.domain = opensearch.Domain(
            self,
            "Domain",
            version=opensearch.EngineVersion.OPENSEARCH_2_19,
            capacity=opensearch.CapacityConfig(
                data_nodes=2,
                data_node_instance_type=config.opensearch_instance_type,
                multi_az_with_standby_enabled=False,
            ),
            ebs=opensearch.EbsOptions(volume_size=config.opensearch_volume_gb, volume_type=ec2.EbsDeviceVolumeType.GP3),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=True, availability_zone_count=2),
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
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.domain.grant_read_write(self.role_mapper)
        self.url = f"https://{self.domain.domain_endpoint}"

    def grant(self, role: iam.IRole) -> None:
        """IAM half of the ``opensearch`` grant; ``map_roles`` does the FGAC half."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
                resources=[f"{self.domain.domain_arn}/*"],
            )
        )

    def map_roles(self, roles: list[iam.IRole]) -> None:
        assert self.role_mapper.role is not None
        provider = cr.Provider(self, "RoleMappingProvider", on_event_handler=self.role_mapper)
        mapping = CustomResource(
            self,
            "RoleMapping",
            service_token=provider.service_token,
            properties={
                "Endpoint": self.domain.domain_endpoint,
                "Role": "all_access",
                "BackendRoles": [self.role_mapper.role.role_arn, *(r.role_arn for r in roles)],
            },
        )
        mapping.node.add_dependency(self.domain)
