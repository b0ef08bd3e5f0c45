"""Just enough of the protobuf wire format to read the few fields an Anki package stores that way.

Current Anki packages keep a handful of settings as protobuf blobs (the package version in `meta`,
a note type's kind, a card template's question and answer formats, the media list). Reading them
needs only varints and length-delimited fields; the `protobuf` library would need Anki's .proto
files compiled in as well, for four fields.
"""

from __future__ import annotations

Fields = dict[int, list[int | bytes]]


class WireError(ValueError):
    """Bytes that are not a protobuf message."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def parse(data: bytes) -> Fields:
    """Every field of one message: number -> values (ints for varints, bytes otherwise)."""
    out: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise WireError("truncated field")
            value, pos = data[pos : pos + size], pos + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > len(data):
                raise WireError("truncated field")
            value, pos = data[pos : pos + size], pos + size
        else:
            raise WireError(f"unsupported wire type {wire}")
        if number == 0:
            raise WireError("field number 0")
        out.setdefault(number, []).append(value)
    return out


def first_int(fields: Fields, number: int, default: int = 0) -> int:
    for value in fields.get(number, []):
        if isinstance(value, int):
            return value
    return default


def first_text(fields: Fields, number: int, default: str = "") -> str:
    for value in fields.get(number, []):
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
    return default


def messages(fields: Fields, number: int) -> list[Fields]:
    """The embedded messages of a repeated field."""
    return [parse(v) for v in fields.get(number, []) if isinstance(v, bytes)]
