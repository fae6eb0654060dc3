"""The discovery documents: /api/v1/instance, /api/v2/instance, NodeInfo 2.0 and the OAuth
authorization-server metadata (RFC 8414).

The version string is what clients read to choose endpoints: Mastodon.py takes its first
three dotted numbers, so Warbler claims the Mastodon API level it implements, 4.2.0.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from warbler import text
from warbler.mastodon import oauth, scopes, uploads
from warbler.media import images
from warbler.media import service as media
from warbler.settings import get_settings

WARBLER_VERSION = "1.0.0"  # the API version the native OpenAPI document states
API_LEVEL = "4.2.0"
VERSION = f"{API_LEVEL} (compatible; Warbler {WARBLER_VERSION})"
API_VERSIONS = {"mastodon": 2}
CHARACTERS_RESERVED_PER_URL = 23  # what a link costs in Mastodon's count (Warbler counts its text)
SOURCE_URL = "https://github.com/warbler/warbler"
TITLE = "Warbler"
DESCRIPTION = "A Twitter-style social network, speaking the Mastodon client API."


def streaming_url(base: str) -> str:
    """Where the streaming WebSocket is: the configured URL, else the REST host as ws(s)."""
    configured = get_settings().streaming_api_url.rstrip("/")
    if configured:
        return configured
    parts = urlsplit(base)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def _domain(base: str) -> str:
    return urlsplit(base).netloc


def _statuses_configuration() -> dict:
    return {
        "max_characters": text.MAX_TWEET_CHARS,
        "max_media_attachments": media.MAX_IMAGES,
        "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL,
    }


def _media_configuration() -> dict:
    # Warbler neither transcodes nor checks a video's frame rate or size: the last two are
    # Mastodon's own limits, which clients check a file against before they upload it.
    return {
        "supported_mime_types": [*images.IMAGE_TYPES, images.MP4],
        "image_size_limit": uploads.file_limit(images.JPEG),
        "image_matrix_limit": get_settings().media_max_pixels,
        "video_size_limit": uploads.file_limit(images.MP4),
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8_294_400,
    }


def _polls_configuration() -> dict:
    return {"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0}


def v1(base: str, stats: dict[str, int], streaming: str) -> dict:
    return {
        "uri": _domain(base),
        "title": TITLE,
        "short_description": DESCRIPTION,
        "description": DESCRIPTION,
        "email": "",
        "version": VERSION,
        "urls": {"streaming_api": streaming},
        "stats": {
            "user_count": stats.get("users", 0),
            "status_count": stats.get("statuses", 0),
            "domain_count": 1,
        },
        "thumbnail": None,
        "languages": ["en"],
        "registrations": True,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {
            "accounts": {"max_featured_tags": 0},
            "statuses": _statuses_configuration(),
            "media_attachments": _media_configuration(),
            "polls": _polls_configuration(),
        },
        "contact_account": None,
        "rules": [],
    }


def v2(base: str, stats: dict[str, int], streaming: str) -> dict:
    return {
        "domain": _domain(base),
        "title": TITLE,
        "version": VERSION,
        "source_url": SOURCE_URL,
        "description": DESCRIPTION,
        "usage": {"users": {"active_month": stats.get("users", 0)}},
        "thumbnail": {"url": "", "blurhash": None, "versions": {}},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": streaming, "status": None, "about": None, "privacy_policy": None},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
            "statuses": _statuses_configuration(),
            "media_attachments": _media_configuration(),
            "polls": _polls_configuration(),
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": True, "approval_required": False, "message": None, "url": None},
        "api_versions": API_VERSIONS,
        "contact": {"email": "", "account": None},
        "rules": [],
    }


def nodeinfo_links(base: str) -> dict:
    return {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f"{base}/nodeinfo/2.0"}]}


def nodeinfo(stats: dict[str, int]) -> dict:
    return {
        "version": "2.0",
        "software": {"name": "warbler", "version": WARBLER_VERSION},
        "protocols": [],
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {"total": stats.get("users", 0), "activeMonth": stats.get("users", 0)},
            "localPosts": stats.get("statuses", 0),
        },
        "openRegistrations": True,
        "metadata": {"nodeName": TITLE},
    }


def authorization_server(base: str) -> dict:
    return {
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "scopes_supported": sorted(scopes.KNOWN),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": list(oauth.GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    }
