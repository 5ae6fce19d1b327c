"""The mail settings and templates (node.infra.mail), without a mail server."""

from __future__ import annotations

import pytest

from node.errors import ConfigError
from node.infra.mail import parse_smtp_url, render_email


def test_smtp_urls() -> None:
    plain = parse_smtp_url("smtp://127.0.0.1:2525", "school.example:8443")
    assert (plain.host, plain.port, plain.use_tls) == ("127.0.0.1", 2525, False)
    assert plain.sender == "commonroom@school.example"
    tls = parse_smtp_url("smtps://us%40er:p%3Ass@mail.example?from=hi@school.example", "x.example")
    assert (tls.port, tls.use_tls, tls.username, tls.password) == (465, True, "us@er", "p:ss")
    assert tls.sender == "hi@school.example"
    assert "p:ss" not in repr(tls) and "p:ss" not in tls.describe()
    for bad in ("http://mail.example", "smtp://", "smtp://mail.example?from=nobody"):
        with pytest.raises(ConfigError):
            parse_smtp_url(bad, "school.example")


def test_email_templates_have_a_subject_and_keep_links_intact() -> None:
    link = "http://school.example/verify/abc?x=1&y=2"
    context = {"username": "ana", "host": "school.example", "link": link, "days": 2}
    subject, body = render_email("verify_email.txt", context)
    assert subject == "Confirm your email address for school.example"
    assert link in body and "for 2 days" in body
