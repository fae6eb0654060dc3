"""Deployment settings read from CDK context, and the env-var names the layer's Settings reads.

Every knob has a default so ``python -m infra.cdk.app`` synthesizes offline with no arguments.
Override with ``-c key=value`` (``cdk synth``) or ``build_app(context={...})`` (tests).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
_SETTINGS_FILE = REPO_ROOT / "layers" / "core" / "python" / "warbler" / "settings.py"


def _load_settings_module() -> ModuleType:
    # Loaded by path, not ``import warbler.settings``: the CDK app must not import the layer
    # package (whose __init__ and siblings may pull in runtime-only dependencies), yet the env
    # names must come from the one place the handlers read them.
    spec = importlib.util.spec_from_file_location("_warbler_settings_for_infra", _SETTINGS_FILE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {_SETTINGS_FILE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


_settings = _load_settings_module()
Settings = _settings.Settings


def env_name(field_name: str) -> str:
    """The environment variable that sets ``Settings.<field_name>``."""
    return str(Settings.env_name(field_name))


@dataclass(frozen=True)
class DeployConfig:
    """Everything the stack needs besides the catalog."""

    stage: str = "dev"
    repo_root: Path = REPO_ROOT
    # Empty: the synth builds the layer from requirements.txt (infra/cdk/layer.py). Otherwise a
    # prebuilt directory holding ``python/warbler`` (and, for any stage but dev, its dependencies).
    layer_dir: str = ""
    log_level: str = "INFO"
    # Every log group's retention (functions, API access, WAF, VPC flow, OpenSearch, CDK's own).
    log_retention_days: int = 30
    # Stage-wide API Gateway throttle (REST and WebSocket); routes may declare lower ones in the catalog.
    api_rate_limit: int = 500
    api_burst_limit: int = 1000
    # WAF rate rules: requests per client IP per 5 minutes, everywhere and on /auth/*.
    waf_limit_per_5min: int = 3000
    waf_auth_limit_per_5min: int = 100
    # API Gateway's account-level CloudWatch role (needed for access/execution logs) is one per
    # account and region: exactly one stack there creates it; set false for the others.
    api_gateway_account_role: bool = True
    # Cognito Plus: compromised-credential and adaptive sign-in checks, billed per MAU.
    threat_protection: bool = True
    # The catalog's reserved concurrency (stream consumers) and caps (public functions). New
    # accounts start with a 10-execution limit; there set false until the quota is raised.
    reserved_concurrency: bool = True
    kinesis_retention_hours: int = 168  # 7 days: the DLQ redrive can replay what a DLQ record points at
    vpc_flow_logs: str = "ALL"  # ALL, REJECT or NONE
    # -1: by stage (one NAT per AZ for prod, one shared otherwise).
    nat_gateways: int = -1
    redis_node_type: str = "cache.t4g.medium"
    redis_shards: int = 2
    redis_replicas_per_shard: int = 1
    # Empty / -1: by stage (prod: non-burstable data nodes and three dedicated masters).
    opensearch_instance_type: str = ""
    opensearch_master_instance_type: str = ""
    opensearch_master_nodes: int = -1
    opensearch_volume_gb: int = 20
    iterator_age_alarm_ms: int = 60_000
    # Alarm thresholds as rates, not counts.
    error_rate_alarm_percent: int = 1
    api_p99_alarm_ms: int = 1000
    # Who the alarms reach: an email subscribed to the topic. Required for prod.
    alarm_email: str = ""
    # The public base of short links (``GET /s/{key}``), e.g. a short domain mapped to the API;
    # empty means the REST API's own stage URL.
    short_link_base_url: str = ""
    # The web client's Vite build; empty: web/dist in this repository (infra/cdk/web.py).
    web_dist: str = ""
    # Analytics (infra/cdk/analytics.py): the report mail's SES sender and recipients
    # (comma-separated; empty: reports are written but not mailed) and the query engine.
    report_sender: str = "reports@warbler.example"
    report_recipients: str = ""
    analytics_engine: str = "duckdb"  # or "athena", when the lake outgrows one function

    def __post_init__(self) -> None:
        if self.stage == _settings.LOCAL_STAGE:
            # That stage gives every missing name a local default (warbler/settings.py).
            raise ValueError(f"stage {self.stage!r} is reserved for the emulator and tests")

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def search_instance_type(self) -> str:
        return self.opensearch_instance_type or ("r6g.large.search" if self.is_prod else "t3.medium.search")

    @property
    def search_master_nodes(self) -> int:
        return self.opensearch_master_nodes if self.opensearch_master_nodes >= 0 else (3 if self.is_prod else 0)

    @property
    def search_master_instance_type(self) -> str:
        return self.opensearch_master_instance_type or "m6g.large.search"

    def nat_gateway_count(self, azs: int) -> int:
        return self.nat_gateways if self.nat_gateways >= 0 else (azs if self.is_prod else 1)

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> DeployConfig:
        """Build from a ``node.try_get_context``-like callable; context values may be strings."""
        values: dict[str, Any] = {}
        for name, default in cls.__dataclass_fields__.items():
            raw = get(name)
            if raw is None or raw == "":
                continue
            values[name] = _coerce(raw, getattr(cls, name, default.default))
        config = cls(**values)
        if config.layer_dir and not Path(config.layer_dir).is_absolute():
            config = replace(config, layer_dir=str(config.repo_root / config.layer_dir))
        return config


def _coerce(raw: Any, default: Any) -> Any:
    if isinstance(default, Path):
        return Path(str(raw)).expanduser()
    if isinstance(default, bool):
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return str(raw)
