"""Reading positions (markers) through the client API."""

from __future__ import annotations

from tests.api.helpers import (
    Client,
    bearer,
    expect_json,
    make_user,
    password_token,
)


async def test_markers_round_trip_and_count_their_versions(client: Client) -> None:
    # Given someone who has never set a marker
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    wanted = [("timeline[]", "home"), ("timeline[]", "notifications")]
    assert await expect_json(await client.get("/api/v1/markers", params=wanted,
                                        headers=bearer(token))) == {}  # fmt: skip

    # When an app saves both positions (as a form), then moves the home one (as JSON)
    saved = await expect_json(await client.post(
        "/api/v1/markers", headers=bearer(token),
        data={"home[last_read_id]": "105", "notifications[last_read_id]": "7"},
    ))  # fmt: skip
    assert saved["home"]["last_read_id"] == "105" and saved["home"]["version"] == 0
    moved = await expect_json(await client.post("/api/v1/markers", headers=bearer(token),
                                          json={"home": {"last_read_id": "110"}}))  # fmt: skip
    assert set(moved) == {"home"}
    assert moved["home"]["last_read_id"] == "110" and moved["home"]["version"] == 1
    same = await expect_json(await client.post("/api/v1/markers", headers=bearer(token),
                                         json={"home": {"last_read_id": "110"}}))  # fmt: skip
    assert same["home"]["version"] == 1, "saving the same place again is not a change"

    # Then another app reads the same places
    other = await password_token(client, "ana")
    found = await expect_json(
        await client.get("/api/v1/markers", params=wanted, headers=bearer(other))
    )
    assert found["home"]["last_read_id"] == "110" and found["home"]["version"] == 1
    assert found["notifications"] == saved["notifications"]
    assert found["home"]["updated_at"].endswith("Z")
    only_home = await expect_json(await client.get("/api/v1/markers", params={"timeline[]": "home"},
                                             headers=bearer(other)))  # fmt: skip
    assert set(only_home) == {"home"}

    # and junk is refused, someone else's markers are their own, scopes are checked
    bad = await client.post("/api/v1/markers", headers=bearer(token),
                            json={"home": {"last_read_id": "abc"}})  # fmt: skip
    assert bad.status == 422
    await make_user(client, "ben")
    ben = await password_token(client, "ben")
    assert await expect_json(await client.get("/api/v1/markers", params=wanted,
                                        headers=bearer(ben))) == {}  # fmt: skip
    writer = await password_token(client, "ana", scopes="write")
    assert (await client.get("/api/v1/markers", params=wanted,
                             headers=bearer(writer))).status == 403  # fmt: skip
    reader = await password_token(client, "ana", scopes="read")
    refused = await client.post("/api/v1/markers", json={"home": {"last_read_id": "1"}},
                                headers=bearer(reader))  # fmt: skip
    assert refused.status == 403
    assert (await client.get("/api/v1/markers")).status == 401
