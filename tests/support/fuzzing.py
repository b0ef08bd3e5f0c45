"""Shared tools for property-based tests: budgets, file mutations, the one-line error check.

Importers and other parsers reuse these: `mutated([real_file_bytes])` changes a few bytes,
values, keys or lines of real files (for binary formats such as Anki packages the byte
operations are the useful ones); `any_input(sources)` adds random bytes and text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.text import clean

EXPLORE = os.environ.get("FLASHPREP_HYPOTHESIS") == "explore"


def budget(examples: int, **more: Any) -> settings:
    return settings(
        max_examples=examples * (10 if EXPLORE else 1),
        deadline=None,
        derandomize=not EXPLORE,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        **more,
    )


# --- mutations -----------------------------------------------------------------------------------

TOKENS = [
    b'"',
    b"'''",
    b'"""',
    b"[",
    b"]]",
    b"[[",
    b"=",
    b"\n",
    b"\r",
    b"\t",
    b"#",
    b",",
    b"{",
    b"}",
    b".",
    b"nan",
    b"inf",
    b"-0",
    b"1e400",
    b"0x1F",
    b"true",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\\u0000",
    b"[[cards]]\n",
    b"[[review]]\n",
    b"[cards]\n",
    b"\x1b[31m",
    b"\xe2\x80\xae",
]
VALUES = [
    b"1",
    b"-1",
    b"0",
    b"1.5",
    b"nan",
    b"-inf",
    b'"x"',
    b'""',
    b"true",
    b"[]",
    b'[1, "a"]',
    b"{}",
    b"{ a = 1 }",
    b"2026-11-26",
    b"10:00:00",
    b"2026-11-26T10:00:00",
    b"2026-11-26T10:00:00Z",
    b"9999-12-31T23:59:59Z",
    b"1900-01-01T00:00:00Z",
    b'"../../etc/passwd"',
    b'"a/b"',
    b'"\\u001b[31mred"',
    b'"[bold]x[/]"',
    b"99999999999999999999",
]


@st.composite
def mutated(draw: st.DrawFn, sources: list[bytes]) -> bytes:
    """A real file with a few bytes, values, keys or lines changed."""
    raw = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 3))):
        n = len(raw)
        op = draw(st.sampled_from(["byte", "cut", "insert", "truncate", "value", "key", "line"]))
        if op == "byte" and n:
            raw[draw(st.integers(0, n - 1))] = draw(st.integers(0, 255))
        elif op == "cut" and n:
            i = draw(st.integers(0, n - 1))
            del raw[i : i + draw(st.integers(1, 40))]
        elif op == "insert":
            i = draw(st.integers(0, n))
            raw[i:i] = draw(st.sampled_from(TOKENS) | st.binary(max_size=6))
        elif op == "truncate":
            del raw[draw(st.integers(0, n)) :]
        else:
            lines = bytes(raw).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            key, eq, _ = lines[i].partition(b" = ")
            if op == "value" and eq:
                lines[i] = key + eq + draw(st.sampled_from(VALUES))
            elif op == "key" and eq:
                lines[i] = (
                    draw(st.sampled_from([b"colour", b"id", b"cards", b'"a.b"', b"x y"])) + eq + _
                )
            elif op == "line":
                lines.insert(i, lines[draw(st.integers(0, len(lines) - 1))])
            raw = bytearray(b"\n".join(lines))
    return bytes(raw)


def any_input(sources: list[bytes]) -> st.SearchStrategy[bytes]:
    return mutated(sources) | st.binary(max_size=300) | st.text(max_size=200).map(str.encode)


def one_line_error(error: DataFileError, path: str) -> None:
    message = str(error)
    assert message.startswith(f"{path}: ") and len(message) > len(path) + 2
    assert "\n" not in clean(message).replace("\\n", "")


@contextmanager
def without_fsync() -> Iterator[None]:
    """fsync made a no-op: these tests are about what is written, not about power cuts (the
    crash harness keeps real fsyncs), and fsync would make them twenty times slower."""
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = real
