"""core.text: what reaches the terminal from a file holds nothing the terminal would act on.

The property: for any text, `clean` leaves no escape, no C0 control but tab and line feed, no
DEL or C1 control, no bidirectional or invisible format character, and is idempotent. The
examples: each class of sequence (CSI, OSC, DCS, SOS, PM, APC, charset and reset escapes, 7-bit
and 8-bit, terminated or not) is removed with what the terminal would swallow, and the text
around it is kept.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.text import _JSON_UNSAFE as UNSAFE
from flashprep.core.text import clean, dumps_json, one_line

from fuzzing import budget

BIDI_AND_INVISIBLE = (
    "\u061c\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2028\u2029\u2060\u2061"
    "\u2066\u2067\u2068\u2069\u206a\u206f\ufeff\ufff9\ufffb"
)
ACTED_ON = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_AND_INVISIBLE}\ud800-\udfff]")
"""Characters a terminal acts on, or that hide or reorder text: none may be left."""

FRAGMENTS = [
    "\x1b",
    "\x1b[",
    "\x1b]",
    "\x1bP",
    "\x1bX",
    "\x1b^",
    "\x1b_",
    "\x1b\\",
    "\x1b(",
    "\x07",
    "\x9b",
    "\x9c",
    "\x9d",
    "\x90",
    "\x9f",
    "\r",
    "\n",
    "\t",
    "2;title",
    "52;c;cm0gLXJmIH4K",
    "31m",
    "?1049l",
    "$qm",
    "\\",
    "x",
    *BIDI_AND_INVISIBLE,
]
ESCAPE_SOUP = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=24).map("".join)
"""Text made of pieces of escape sequences, which plain random text almost never holds."""


@budget(800)
@given(st.text() | ESCAPE_SOUP)
def test_clean_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    shown = clean(text)
    assert not ACTED_ON.findall(shown), repr(shown)
    assert "\r" not in shown
    assert clean(shown) == shown
    line = one_line(text)
    assert "\n" not in line and not ACTED_ON.findall(line)
    assert one_line(line) == line


@budget(300)
@given(st.text() | ESCAPE_SOUP)
def test_json_output_is_exact_and_holds_nothing_a_terminal_acts_on(text: str) -> None:
    dumped = dumps_json({"name": text, "list": [text]})
    assert not ACTED_ON.findall(dumped), repr(dumped)
    assert json.loads(dumped) == {"name": text, "list": [text]}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | ESCAPE_SOUP,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=5) | ESCAPE_SOUP, inner, max_size=5)
        | st.dictionaries(
            st.integers(-3, 3) | st.booleans() | st.none() | st.floats(), inner, max_size=3
        )
    ),
    max_leaves=40,
)
"""JSON data as the commands print it, and what json.dumps also takes (tuples, keys that are
not strings, NaN and infinities)."""


@budget(400)
@given(JSON_VALUES)
def test_json_output_is_json_dumps_indented(data: object) -> None:
    """The statistics' rows are encoded in C (`_indented`): the text is json.dumps's, exactly."""
    dumped = json.dumps(data, indent=2, ensure_ascii=False)
    assert dumps_json(data) == UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # OSC: title and clipboard, terminated by BEL, by ST (7- and 8-bit), or not at all
        ("Evil\x1b]2;PWNED\x07\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J", "Evil"),
        ("a\x1b]0;PWNED\x1b\\b", "ab"),
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("a\x1b]2;PWNED", "a"),
        ("a\x1b]2;PWNED\nnext line", "a\nnext line"),
        ("a\x9d2;PWNED\x07b", "ab"),
        ("a\x9d2;PWNED\x9cb", "ab"),
        # DCS, SOS, PM, APC: removed with their body
        ("a\x1bP1$qm\x1b\\b", "ab"),
        ("a\x1bPtmux;\x1b\x1b]2;PWNED\x07\x1b\\b", "a\\x1bb"),  # tmux's doubled ESC: shown
        ("a\x1bXsos body\x1b\\b", "ab"),
        ("a\x1b^pm body\x1b\\b", "ab"),
        ("a\x1b_apc body\x1b\\b", "ab"),
        ("a\x90q body\x9cb", "ab"),
        ("a\x9fapc body\x9cb", "ab"),
        # CSI, 7-bit and 8-bit; private modes; cut short
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b[?1049lb\x1b[4h", "ab"),
        ("a\x9b2Jb\x9b31m", "ab"),
        ("a\x1b[12", "a12"),
        # other escapes: charset, save cursor, full reset
        ("a\x1b(Bb\x1b7c\x1bcd", "abcd"),
        # what is left is shown, never sent
        ("lone\x1b", "lone\\x1b"),
        ("\x1b\x1b[31mx", "\\x1bx"),
        ("bell\x07 nul\x00 bs\x08 del\x7f", "bell\\x07 nul\\x00 bs\\x08 del\\x7f"),
        ("mis-decoded \u00e2\x80\x9d quote", "mis-decoded \u00e2\\x80\\x9d quote"),
        ("\u202eevil\u2066x\u2069", "\\u202eevil\\u2066x\\u2069"),
        ("\u200fmark\u061c\u200e\u200bzero\ufeff", "\\u200fmark\\u061c\\u200e\\u200bzero\\ufeff"),
        ("lone surrogate \udc80", "lone surrogate \\udc80"),
        # kept: tabs, line ends (as LF), joiners that scripts and emoji need
        ("a\tb\r\nc\rd", "a\tb\nc\nd"),
        ("family \U0001f468\u200d\U0001f469 \u0645\u200c\u06cc", None),
        ("plain text, [bold]markup[/] is not our business", None),
    ],
)
def test_each_kind_of_sequence_is_removed_and_the_rest_kept(raw: str, shown: str | None) -> None:
    assert clean(raw) == (raw if shown is None else shown)


def test_one_line_shows_line_breaks() -> None:
    assert one_line("a\nb\r\nc\x1b]2;x\x07") == "a\\nb\\nc"
