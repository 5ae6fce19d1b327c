"""Hostile values in every field of every web form answer 4xx (or are accepted), never 5xx:
other scripts' digits, numbers no column holds, U+0000, very long strings, posted with a valid
CSRF token by a signed-in admin, on ids that exist (so they reach the code that uses them).

Which fields a form handler reads is recorded from the submitted form while a plain request is
served; each one is then sent hostile on its own beside plausible values for the rest. The
values are a fixed list, so the test is the same on every run. (A lone surrogate cannot be
sent in a form: a form is bytes, and UTF-8 has no bytes for one.)
"""

from __future__ import annotations

import re
import sys
from typing import Any, ClassVar

import pytest
from multidict import MultiDict

from node.domain.accounts import Role
from node.services.accounts import accounts
from node.services.groups import groups
from node.services.groups.groups import GroupSettings
from node.web import forms
from tests.api.helpers import PASSWORD, Client, ctx_of
from tests.support.html import csrf_token

VALUES = ["¹", "٣", "-1", "99999999999999999999999", "\x00", "a\x00b", "x" * 20_000]
PLAIN = {"text": "hello", "visibility": "public", "name": "Club", "title": "Hi", "q": "hello",
         "decision": "approve", "target": "bo", "username": "bo", "summary": "s"}  # fmt: skip
_NOT_FORMS = ("/inbox", "/actor/inbox", "/users/{username}/inbox", "/oauth/token", "/oauth/revoke")
# Filled into the URL; what ends a session or removes the fixtures goes last.
_PATH = {"post_id": "", "handle": "club", "username": "ana", "follow_id": "1",
         "action": "like", "switch": "pin", "slot": "avatar", "token": "x" * 20,
         "account_id": "2", "id": "1"}  # fmt: skip
# Mail is not configured in tests: these answer 503 "this node cannot send email" to anything.
_NEEDS_MAIL = frozenset({"/password-reset", "/sign-up/resend"})
_LAST = ("/sign-out", "/posts/{post_id}/{action}", "/groups/{handle}/leave")


class Recording(MultiDict[object]):
    """A submitted form that notes the names a handler asks it for."""

    asked: ClassVar[set[str]] = set()

    def get(self, key: str, default: Any = None) -> Any:
        Recording.asked.add(key)
        return super().get(key, default)

    def getall(self, key: str, default: Any = None) -> Any:
        Recording.asked.add(key)
        return super().getall(key, default) if default is not None else super().getall(key)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    original = forms.read_form

    async def read_form(request: Any) -> MultiDict[object]:
        return Recording(await original(request))

    for name, module in list(sys.modules.items()):
        if name.startswith("node.") and getattr(module, "read_form", None) is original:
            monkeypatch.setattr(module, "read_form", read_form)
    Recording.asked = set()
    return Recording.asked


async def _signed_in_admin(client: Client) -> tuple[str, str]:
    """ana (an admin) signed in, with a post and a group; the CSRF token and the post's id."""
    db = ctx_of(client).db
    ana = await accounts.create_account(
        db, "ana", "ana@district.example", password=PASSWORD, role=Role.ADMIN
    )
    await accounts.create_account(db, "bo", "bo@district.example", password=PASSWORD)
    await groups.create_group(ctx_of(client), ana, "club", GroupSettings(name="Club"))
    token = csrf_token(await (await client.get("/sign-in")).text())
    signed = await client.post("/sign-in", data={"username": "ana", "password": PASSWORD,
                                                 "_csrf": token, "next": "/"})  # fmt: skip
    token = csrf_token(await signed.text())
    await client.post("/posts", data={"_csrf": token, "text": "first post"})
    home = await (await client.get("/")).text()
    post_id = re.findall(r"/posts/([0-9]+)/", home)[0]
    return token, post_id


def _routes(client: Client) -> list[str]:
    found = {route.resource.canonical for route in client.server.app.router.routes()
             if route.method == "POST" and route.resource is not None
             and not route.resource.canonical.startswith("/api/")
             and route.resource.canonical not in _NOT_FORMS}  # fmt: skip
    return sorted(found, key=lambda path: (path in _LAST, _LAST.index(path) if path in _LAST
                                           else 0, path))  # fmt: skip


def _failed(path: str, status: int) -> bool:
    return status >= 500 and not (status == 503 and path in _NEEDS_MAIL)


async def test_no_hostile_field_makes_a_web_form_fail(client: Client, recorded: set[str]) -> None:
    token, post_id = await _signed_in_admin(client)
    routes = _routes(client)
    assert len(routes) > 25, "every form is here"
    failures: list[str] = []
    for template in routes:
        path = re.sub(r"\{(\w+)\}", lambda m: _PATH[m.group(1)] or post_id, template)
        recorded.clear()
        await client.post(path, data={"_csrf": token, **PLAIN}, allow_redirects=False)
        names = sorted(recorded - {"_csrf"})
        for value in VALUES:
            every = {"_csrf": token, **dict.fromkeys(names, value)}
            response = await client.post(path, data=every, allow_redirects=False)
            if _failed(path, response.status):
                failures.append(f"{path} every field {value[:10]!r}")
            for name in names:
                form = {"_csrf": token, **PLAIN, name: value}
                response = await client.post(path, data=form, allow_redirects=False)
                if _failed(path, response.status):
                    failures.append(f"{path} {name}={value[:10]!r}")
    assert not failures, "\n".join(failures)
