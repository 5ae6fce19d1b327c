"""What the edges do to every string they read, and the one number parser."""

from __future__ import annotations

import pytest

from node.domain.inputs import clean_pairs, clean_text, clean_value
from node.domain.numbers import whole_number
from node.errors import ConfigError
from node.settings import parse_listen


def test_nul_goes_and_surrogates_become_characters_or_replacement() -> None:
    assert clean_text("a\x00b\x00") == "ab"
    assert clean_text("x\ud800y") == "x\ufffdy"
    assert clean_text("\udc00\ud800") == "\ufffd\ufffd"
    assert clean_text("\ud83d\ude00") == "😀"  # a pair, as json.loads leaves one
    assert clean_text("plain é 😀") == "plain é 😀"
    (clean_text("\ud800x")).encode("utf-8")  # storable


def test_every_string_in_a_document_is_cleaned_keys_too() -> None:
    document = {"a\x00": ["\ud800", {"b": "c\x00"}], "n": 1, "none": None}
    assert clean_value(document) == {"a": ["\ufffd", {"b": "c"}], "n": 1, "none": None}
    assert clean_pairs([("x[]", "1\x00"), ("x[]", "2")]) == [("x[]", "1"), ("x[]", "2")]


def test_only_ascii_digits_are_numbers() -> None:
    assert whole_number(" 42 ") == 42
    for text in ("¹", "٣", "-1", "1e5", "", None, "9" * 19, "²3"):
        assert whole_number(text) is None, text
    assert whole_number("10", maximum=9) is None


def test_a_listen_port_in_other_digits_is_a_config_error_not_a_crash() -> None:
    assert parse_listen("[::1]:8080") == ("::1", 8080)
    for value in ("host:¹", "host:٣", "host:0", "host:65536", "host:", "host: 80"):
        with pytest.raises(ConfigError):
            parse_listen(value)
