"""Mastodon instance discovery: what clients read before anything else."""

from __future__ import annotations

from warbler.mastodon import edge, instance
from warbler.mastodon.store import table_counts

app = edge.make_app()


@app.get("/api/v1/instance")
def instance_v1():
    base = edge.base_url(app)
    return edge.json_response(instance.v1(base, table_counts(), instance.streaming_url(base)))


@app.get("/api/v2/instance")
def instance_v2():
    base = edge.base_url(app)
    return edge.json_response(instance.v2(base, table_counts(), instance.streaming_url(base)))


@app.get("/.well-known/nodeinfo")
def nodeinfo_links():
    return edge.json_response(instance.nodeinfo_links(edge.base_url(app)))


@app.get("/nodeinfo/2.0")
def nodeinfo():
    return edge.json_response(instance.nodeinfo(table_counts()))


lambda_handler = edge.rest_handler(app)
