"""Hostile text for display tests: markup, terminal escapes and controls that must show literally.

Any screen that shows card, deck or story text can reuse this: put HOSTILE_* in the data, open
the screen, then `assert_shown_literally(app)`.
"""

from __future__ import annotations

import re

from textual.app import App

MARKUP = "[bold red]x[/]"
ACTION = "[@click=app.quit]q[/]"
ANSI = "\x1b[31mred\x1b[0m"
OSC = "\x1b]0;pwned\x07"
CONTROLS = "bell\x07 nul\x00 bs\x08"
BIDI = "\u202eevil"

HOSTILE = f"{MARKUP} {ACTION} {ANSI} {OSC} {CONTROLS} {BIDI}"
"""A one-line string holding every kind of hostile text."""

TERMINAL = (
    "\x1b]2;PWNED\x07",  # window title, BEL-ended
    "\x1b]52;c;cm0gLXJmIH4K\x1b\\",  # clipboard, ST-ended
    "\x1b]0;PWNED",  # unterminated
    "\x1b[2J\x1b[?1049l",  # clear screen, leave the alternate screen
    "\x1bP1$qPWNED\x1b\\",  # DCS with a body
    "\x1b_PWNED\x1b\\",  # APC
    "\x9b2J\x9d2;PWNED\x9c",  # 8-bit CSI and OSC
    "\x1bc",  # full reset
    "\u202e\u2066\u200f\u061c\u200b",  # bidi override, isolate, marks, zero width
)
"""Sequences a terminal obeys (or text that hides itself), one per kind: for tests that put
each into a file and check that nothing of it reaches the terminal ("PWNED" is never shown)."""

LITERALS = (MARKUP, ACTION, "red", "bell\\x07", "nul\\x00", "\\u202eevil")
"""What must be visible on screen: markup as typed, controls made visible."""

_BAD_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def acted_on(text: str) -> list[str]:
    """The characters in `text` a terminal would act on, or that hide or reorder text."""
    return _BAD_CHARS.findall(text)


def toml_string(text: str) -> str:
    """A TOML basic string holding `text` exactly (control characters escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x2069:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def screen_lines(app: App[object]) -> list[str]:
    """The text of every line on the screen, as the terminal would show it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_actions(app: App[object]) -> list[str]:
    """Every click action on screen (a Markdown link's is `link(...)`, harmless)."""
    actions = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            meta = segment.style.meta if segment.style else {}
            if "@click" in meta:
                actions.append(str(meta["@click"]))
    return actions


def assert_shown_literally(
    app: App[object], literals: tuple[str, ...] = LITERALS, forbid: tuple[str, ...] = ("pwned",)
) -> str:
    """The screen shows every literal, no raw control or escape, and no injected action.

    `forbid`: text that must not appear (the inside of an OSC sequence is removed with it,
    except where the text is shown as TOML escapes, in the editor).
    """
    text = "\n".join(screen_lines(app))
    for literal in literals:
        assert literal in text, f"{literal!r} not shown literally"
    bad = _BAD_CHARS.findall(text)
    assert not bad, f"raw control characters reach the terminal: {bad!r}"
    for word in forbid:
        assert word not in text, f"{word!r} should not be shown"
    injected = [a for a in screen_actions(app) if not a.startswith("link(")]
    assert not injected, f"text turned into actions: {injected}"
    return text


def notifications(app: App[object]) -> list[tuple[str, bool]]:
    """(message, markup) of every notification the app has raised and still shows."""
    return [(n.message, n.markup) for n in app._notifications]


def assert_notifications_literal(app: App[object]) -> None:
    for message, markup in notifications(app):
        assert not markup, f"notification parsed as markup: {message!r}"
        assert not _BAD_CHARS.findall(message), f"raw controls in a notification: {message!r}"
