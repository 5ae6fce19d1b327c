"""federation.sanitize: the allow-list for remote HTML, and HTML -> text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.sanitize import LINK_REL, html_to_text, sanitize_html


def test_script_elements_are_removed_with_their_content() -> None:
    assert sanitize_html("<p>hi<script>alert(1)</script></p>") == "<p>hi</p>"


def test_style_elements_and_attributes_are_removed() -> None:
    html = '<style>p{color:red}</style><p style="position:fixed">x</p>'
    assert sanitize_html(html) == "<p>x</p>"


def test_event_handler_attributes_are_removed() -> None:
    out = sanitize_html('<p onclick="steal()">x<img src="x" onerror="alert(1)"></p>')
    assert "onclick" not in out and "onerror" not in out and "<img" not in out
    assert out == "<p>x</p>"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,x",
        "/relative",
    ],
)
def test_unsafe_or_relative_links_lose_their_href(href: str) -> None:
    out = sanitize_html(f'<a href="{href}">click</a>')
    assert "href" not in out
    assert "click" in out


def test_iframes_and_objects_are_dropped() -> None:
    out = sanitize_html(
        '<iframe src="https://evil.example"></iframe><object data="x"></object><p>ok</p>'
    )
    assert out == "<p>ok</p>"


def test_mention_and_hashtag_markup_survives() -> None:
    html = (
        '<p><span class="h-card"><a href="https://m.example/@a" class="u-url mention">'
        '@<span>a</span></a></span> <a href="https://m.example/tags/x" class="mention hashtag" '
        'rel="tag">#<span>x</span></a></p>'
    )
    out = sanitize_html(html)
    assert 'class="h-card"' in out
    assert 'class="u-url mention"' in out
    assert 'class="mention hashtag"' in out
    assert 'href="https://m.example/@a"' in out


def test_invisible_and_ellipsis_spans_are_kept_but_other_classes_go() -> None:
    out = sanitize_html(
        '<span class="invisible">https://</span><span class="ellipsis btn-red">x</span>'
    )
    assert out == '<span class="invisible">https://</span><span class="ellipsis">x</span>'


def test_rel_is_forced_on_every_link() -> None:
    out = sanitize_html('<a href="https://m.example/" rel="me opener">x</a>')
    assert f'rel="{LINK_REL}"' in out
    assert 'opener"' not in out.replace("noopener", "")


def test_allowed_formatting_is_kept() -> None:
    html = (
        "<p><em>a</em><strong>b</strong><del>c</del><code>d</code><b>e</b><i>f</i><u>g</u></p>"
        '<blockquote><ul><li>h</li></ul><ol start="2"><li>i</li></ol></blockquote><pre>j</pre>'
    )
    assert sanitize_html(html) == html


def test_headings_become_bold_paragraphs() -> None:
    assert sanitize_html("<h2 id='t'>Title</h2>") == "<p><strong>Title</strong></p>"


def test_unknown_tags_are_unwrapped_keeping_text() -> None:
    assert sanitize_html("<div><marquee>hello</marquee></div>") == "hello"


def test_empty_input() -> None:
    assert sanitize_html("") == ""
    assert html_to_text("") == ""


@given(st.text(max_size=300))
def test_output_never_contains_script_or_handlers(html: str) -> None:
    out = sanitize_html(html + "<script>x</script><a href='javascript:y' onmouseover='z'>")
    assert "<script" not in out.lower()
    assert "javascript:" not in out.lower()
    assert "onmouseover" not in out.lower()


def test_html_to_text_keeps_paragraphs_and_line_breaks() -> None:
    html = "<p>Hello <b>world</b></p><p>line one<br>line two &amp; more</p>"
    assert html_to_text(html) == "Hello world\n\nline one\nline two & more"


def test_html_to_text_skips_scripts_and_collapses_spaces() -> None:
    assert html_to_text("<p>a   b<script>var x</script>\n c</p>") == "a b\nc"


def test_html_to_text_keeps_hidden_url_parts() -> None:
    html = '<a href="https://t.example/x"><span class="invisible">https://</span>t.example/x</a>'
    assert html_to_text(html) == "https://t.example/x"
