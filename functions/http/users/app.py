"""Profiles and the social graph."""

from __future__ import annotations

from pydantic import BaseModel

from warbler import api, social_graph, users
from warbler import api_models as m

app = api.make_app()


class ProfileChange(BaseModel):
    display_name: api.DisplayName | None = None
    bio: api.Bio | None = None


USER_LINKS = {
    "Followers": {"operationId": "getFollowers", "parameters": {"handle": "$response.body#/handle"}},
    "Following": {"operationId": "getFollowing", "parameters": {"handle": "$response.body#/handle"}},
    "Tweets": {"operationId": "getUserTweets", "parameters": {"handle": "$response.body#/handle"}},
    "Likes": {"operationId": "getLikes", "parameters": {"handle": "$response.body#/handle"}},
}
FOLLOW_LINKS = {
    "Profile": {"operationId": "getUser", "parameters": {"handle": "$request.path.handle"}},
    "Unfollow": {"operationId": "unfollow", "parameters": {"handle": "$request.path.handle"}},
}


@app.get("/me", operation_id="getMe", responses={200: m.ok(m.User, "The caller's profile", USER_LINKS)})
def me():
    return users.me(api.caller_id(app))


@app.patch("/me", operation_id="changeMe", responses={200: m.ok(m.User, "The changed profile")})
def change_me(body: ProfileChange):
    return users.update_profile(api.caller_id(app), body.display_name, body.bio)


@app.get("/users/<handle>", operation_id="getUser", responses={200: m.ok(m.User, links=USER_LINKS)})
def profile(handle: api.HandlePath):
    return social_graph.profile(api.caller_id(app), handle)


@app.post("/users/<handle>/follow", operation_id="follow", responses={200: m.ok(m.Following, links=FOLLOW_LINKS)})
def follow(handle: api.HandlePath):
    return social_graph.follow(api.caller_id(app), handle)


@app.delete("/users/<handle>/follow", operation_id="unfollow", responses={200: m.ok(m.Following)})
def unfollow(handle: api.HandlePath):
    return social_graph.unfollow(api.caller_id(app), handle)


@app.get(
    "/users/<handle>/followers",
    operation_id="getFollowers",
    responses={200: m.ok(m.UserPage, links=m.next_page("getFollowers", "handle"))},
)
def followers(handle: api.HandlePath, limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(social_graph.followers(api.caller_id(app), handle, api.page_size(limit), cursor).as_dict())


@app.get(
    "/users/<handle>/following",
    operation_id="getFollowing",
    responses={200: m.ok(m.UserPage, links=m.next_page("getFollowing", "handle"))},
)
def following(handle: api.HandlePath, limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(social_graph.following(api.caller_id(app), handle, api.page_size(limit), cursor).as_dict())


lambda_handler = api.rest_handler(app)
