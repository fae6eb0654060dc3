"""Profiles and the social graph."""

from __future__ import annotations

from pydantic import BaseModel

from warbler import api, social_graph, users

app = api.make_app()


class ProfileChange(BaseModel):
    display_name: str | None = None
    bio: str | None = None


@app.get("/me")
def me():
    return users.me(api.caller_id(app))


@app.patch("/me")
def change_me(body: ProfileChange):
    return users.update_profile(api.caller_id(app), body.display_name, body.bio)


@app.get("/users/<handle>")
def profile(handle: str):
    return social_graph.profile(api.caller_id(app), handle)


@app.post("/users/<handle>/follow")
def follow(handle: str):
    return social_graph.follow(api.caller_id(app), handle)


@app.delete("/users/<handle>/follow")
def unfollow(handle: str):
    return social_graph.unfollow(api.caller_id(app), handle)


@app.get("/users/<handle>/followers")
def followers(handle: str, limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(social_graph.followers(api.caller_id(app), handle, api.page_size(limit), cursor).as_dict())


@app.get("/users/<handle>/following")
def following(handle: str, limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(social_graph.following(api.caller_id(app), handle, api.page_size(limit), cursor).as_dict())


lambda_handler = api.rest_handler(app)
