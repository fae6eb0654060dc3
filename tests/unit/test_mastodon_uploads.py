"""The Mastodon media upload's edge: a multipart body as API Gateway hands it over (base64), the
larger body limit of the upload routes only, and the sizes a MediaAttachment states."""

from __future__ import annotations

import base64
import json

import pytest
from PIL import Image
from urllib3 import encode_multipart_formdata

from infra.local.functions import LambdaContext
from warbler.errors import InvalidInput, PayloadTooLarge
from warbler.mastodon import edge, uploads
from warbler.media.geometry import preview_size

# Bytes a UTF-8 decoder would refuse, a CRLF and a fake boundary line: the file must come back whole.
FILE = b"\x89PNG\r\n\x1a\n\xff\xfe\r\n--not-the-boundary\r\n" + bytes(range(256)) * 40


def multipart_event(path: str, fields: dict, method: str = "POST") -> dict:
    body, content_type = encode_multipart_formdata(fields)
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": content_type},
        "multiValueHeaders": {"Content-Type": [content_type]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"resourcePath": path, "httpMethod": method, "path": f"/prod{path}", "stage": "prod"},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


@pytest.fixture
def echo():
    """A handler that answers with what the edge read from the form."""
    app = edge.make_app()

    @app.post("/api/v2/media")
    def upload():
        file = edge.uploaded_file(app, "file")
        form = edge.params(app)
        return edge.json_response(
            {"description": form.get("description"), "size": len(file.data), "same": file.data == FILE,
             "type": file.content_type, "name": file.filename}
        )  # fmt: skip

    @app.post("/api/v1/statuses")
    def post():
        return edge.json_response(edge.params(app))

    handler = edge.rest_handler(app, upload_routes={"POST /api/v2/media": 200_000})
    return lambda event: handler(event, LambdaContext("echo", 128, 3))


def test_a_multipart_file_and_its_fields_reach_the_handler_byte_for_byte(echo):
    event = multipart_event("/api/v2/media", {"description": "ein Vogel ü", "file": ("x.png", FILE, "image/png")})

    response = echo(event)

    assert response["statusCode"] == 200, response
    assert json.loads(response["body"]) == {
        "description": "ein Vogel ü",
        "size": len(FILE),
        "same": True,
        "type": "image/png",
        "name": "x.png",
    }


def test_a_route_without_an_upload_limit_keeps_the_413(echo):
    big = {"status": "x" * 30_000}

    assert echo(multipart_event("/api/v1/statuses", big))["statusCode"] == 413
    assert echo(multipart_event("/api/v2/media", {"file": ("x.png", FILE * 2, "image/png")}))["statusCode"] == 200
    assert echo(multipart_event("/api/v2/media", {"file": ("x.png", FILE * 30, "image/png")}))["statusCode"] == 413


def test_form_fields_of_a_multipart_body_are_parameters_like_urlencoded_ones(echo):
    response = echo(multipart_event("/api/v1/statuses", {"status": "hi", "media_ids[]": "123"}))

    assert json.loads(response["body"]) == {"status": "hi", "media_ids": ["123"]}


def test_an_upload_without_a_file_is_422(echo):
    response = echo(multipart_event("/api/v2/media", {"description": "no file"}))

    assert response["statusCode"] == 422
    assert "file" in json.loads(response["body"])["error"]


def test_a_multipart_body_without_its_boundary_is_400(echo):
    event = multipart_event("/api/v2/media", {"file": ("x.png", FILE, "image/png")})
    event["headers"]["Content-Type"] = "multipart/form-data"

    assert echo(event)["statusCode"] == 400


def test_an_upload_over_the_file_limit_or_of_a_refused_type_is_refused_before_storage():
    with pytest.raises(PayloadTooLarge):
        uploads.upload("1", b"\0" * (uploads.MAX_FILE_BYTES + 1), "image/png", None)
    with pytest.raises(InvalidInput):
        uploads.upload("1", b"<svg/>", "image/svg+xml", None)


def test_an_uploads_type_is_its_signature_else_what_the_client_declared():
    assert uploads.content_type(FILE, "application/octet-stream") == "image/png"
    assert uploads.content_type(b"\xff\xd8\xff\xe0", "image/png") == "image/jpeg"
    assert uploads.content_type(b"not an image", "image/png") == "image/png"


def test_the_upload_body_limit_fits_lambdas_payload_once_base64_encoded():
    lambda_payload_limit = 6 * 1024 * 1024
    event_envelope = 16 * 1024  # headers and request context, generously

    assert uploads.MAX_BODY_BYTES * 4 / 3 + event_envelope < lambda_payload_limit
    assert set(uploads.UPLOAD_ROUTES.values()) == {uploads.MAX_BODY_BYTES}


def test_a_media_item_answers_206_while_processing_200_when_ready_and_422_when_failed():
    assert uploads.status_code({"state": "pending"}) == 206
    assert uploads.status_code({"state": "ready"}) == 200
    with pytest.raises(InvalidInput, match="not a PNG"):
        uploads.status_code({"state": "failed", "reason": "not a PNG"})


def test_a_focal_point_is_refused_rather_than_dropped():
    uploads.check_focus(None)
    with pytest.raises(InvalidInput):
        uploads.check_focus("0.5,-0.2")


@pytest.mark.parametrize(
    "size", [(1600, 1200), (1200, 1600), (680, 680), (681, 680), (4000, 3), (3, 4000), (263, 1901), (4072, 446)]
)
def test_preview_size_is_the_size_pillow_renders_the_preview_at(size):
    image = Image.new("L", size)
    image.thumbnail((680, 680))

    assert preview_size(*size, 680) == image.size
