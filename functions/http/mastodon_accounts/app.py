"""Mastodon accounts: registration, credentials, profiles, an account's statuses, follows and
relationships. Accounts are named by id here; the native functions take handles, so the edge
looks the handle up (``users.get_user``) and calls them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from warbler import errors, social_graph, users
from warbler.feeds.reads import UserTimeline
from warbler.mastodon import edge, entities, oauth, paging, render
from warbler.tweets import views as tweet_views

app = edge.make_app()


class Registration(BaseModel):
    username: str
    password: str
    email: str | None = None  # accepted, not kept: Warbler accounts have no e-mail address
    agreement: bool
    locale: str | None = None
    reason: str | None = None


class ProfileChange(BaseModel):
    display_name: str | None = None
    note: str | None = None


class StatusFilters(BaseModel):
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    only_media: bool = False
    pinned: bool = False


class Lookup(BaseModel):
    acct: str = Field(min_length=1)


def _account(user_id: str) -> dict:
    found = render.accounts([user_id]).get(user_id)
    if found is None:
        raise errors.NotFound("Record not found")
    return found


@app.post("/api/v1/accounts")
def register():
    caller = edge.caller(app, "write:accounts", user=False)
    body = edge.parse(Registration, edge.params(app))
    if not body.agreement:
        raise errors.InvalidInput("Validation failed: agreement must be accepted")
    user, _ = users.sign_up(body.username, body.password, None)
    return edge.json_response(oauth.issue_for_new_user(caller.client_id, user["id"], caller.scopes))


@app.get("/api/v1/accounts/verify_credentials")
def verify_credentials():
    caller = edge.user_id(app, "read:accounts")
    return edge.json_response(entities.credential_account(_account(caller), edge.base_url(app)))


@app.patch("/api/v1/accounts/update_credentials")
def update_credentials():
    caller = edge.user_id(app, "write:accounts")
    body = edge.parse(ProfileChange, edge.params(app))
    users.update_profile(caller, body.display_name, body.note)
    return edge.json_response(entities.credential_account(_account(caller), edge.base_url(app)))


@app.get("/api/v1/accounts/lookup")
def lookup():
    edge.caller(app, "read:accounts", user=False)
    acct = edge.parse(Lookup, edge.params(app)).acct.removeprefix("@")
    handle, _, domain = acct.partition("@")
    if domain and domain != edge.base_url(app).split("://", 1)[-1]:
        raise errors.NotFound("Record not found")  # no federation: only local accounts exist
    return edge.json_response(entities.account(_account(users.user_id_for_handle(handle)), edge.base_url(app)))


@app.get("/api/v1/accounts/relationships")
def relationships():
    caller = edge.user_id(app, "read:follows")
    wanted = edge.params(app).get("id") or []
    ids = [edge.status_id(str(i)) for i in (wanted if isinstance(wanted, list) else [wanted])][: paging.MAX_LIMIT]
    followed_by = set(social_graph.who_follow(ids, caller))
    out = []
    for other in ids:
        following = other in social_graph.followed_among(caller, [other])
        out.append(entities.relationship(other, following, other in followed_by))
    return edge.json_response(out)


@app.get("/api/v1/accounts/<account_id>")
def account(account_id: str):
    edge.caller(app, "read:accounts", user=False)
    return edge.json_response(entities.account(_account(edge.status_id(account_id)), edge.base_url(app)))


@app.get("/api/v1/accounts/<account_id>/statuses")
def account_statuses(account_id: str):
    """The author's timeline; replies, reblogs and (``only_media``) statuses without media are
    filtered out after the read, so a page may be short, but its Link continues exactly where
    the timeline read stopped (no gaps)."""
    caller = edge.user_id(app, "read:statuses")
    query = edge.params(app)
    filters = edge.parse(StatusFilters, {k: v for k, v in query.items() if k in StatusFilters.model_fields})
    author = _account(edge.status_id(account_id))["id"]
    if filters.pinned:  # Warbler has no pinned posts
        return edge.json_response([])
    page = paging.timeline(UserTimeline(author), query)
    views = tweet_views.hydrate(page.entries, caller)
    if filters.exclude_reblogs or filters.only_media:  # a reblog carries no media of its own
        views = [v for v in views if v.get("retweet_of") is None]
    if filters.only_media:
        views = [v for v in views if v.get("media")]
    if filters.exclude_replies:
        views = [v for v in views if not v.get("reply_to_id")]
    body = render.statuses(views, edge.base_url(app))
    return edge.json_response(body, headers=edge.link_header(app, query, page.next_max_id, page.prev_min_id))


def _people(account_id: str, followers: bool):
    caller = edge.user_id(app, "read:accounts")
    query = edge.params(app)
    handle = _account(edge.status_id(account_id))["handle"]
    listing = social_graph.followers if followers else social_graph.following
    page = listing(caller, handle, paging.limit(query), query.get("max_id") or None)
    base = edge.base_url(app)
    body = [entities.account(u, base) for u in page.items]
    return edge.json_response(body, headers=edge.link_header(app, query, page.next_cursor, None))


@app.get("/api/v1/accounts/<account_id>/followers")
def followers(account_id: str):
    """Paged by the native cursor, carried as an opaque ``max_id`` in the Link header."""
    return _people(account_id, followers=True)


@app.get("/api/v1/accounts/<account_id>/following")
def following(account_id: str):
    return _people(account_id, followers=False)


def _follow(account_id: str, follow: bool):
    caller = edge.user_id(app, "write:follows")
    other = _account(edge.status_id(account_id))
    (social_graph.follow if follow else social_graph.unfollow)(caller, other["handle"])
    followed_by = bool(social_graph.who_follow([other["id"]], caller))
    return edge.json_response(entities.relationship(other["id"], follow, followed_by))


@app.post("/api/v1/accounts/<account_id>/follow")
def follow(account_id: str):
    return _follow(account_id, True)


@app.post("/api/v1/accounts/<account_id>/unfollow")
def unfollow(account_id: str):
    return _follow(account_id, False)


lambda_handler = edge.rest_handler(app)
