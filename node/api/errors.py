"""Errors of the client API in Mastodon's shape: `{"error": "…"}` with the right status."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

# Mastodon's own wording, which clients show as they are.
INVALID_TOKEN = "The access token is invalid"  # noqa: S105 - a message, not a secret
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"
NOT_FOUND = "Record not found"


class ApiError(Exception):
    """Raised by API handlers; the API middleware turns it into a JSON answer."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        return json_error(self.status, self.error, self.description, self.headers)


def json_error(
    status: int,
    error: str,
    description: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    body: dict[str, str] = {"error": error}
    if description:
        body["error_description"] = description
    return web.json_response(body, status=status, headers=headers)


def unauthorized(description: str = INVALID_TOKEN) -> ApiError:
    return ApiError(401, description, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def forbidden(description: str = OUTSIDE_SCOPES) -> ApiError:
    return ApiError(403, description)


def not_found(description: str = NOT_FOUND) -> ApiError:
    return ApiError(404, description)


def unprocessable(description: str) -> ApiError:
    return ApiError(422, description)


def bad_request(description: str) -> ApiError:
    return ApiError(400, description)
