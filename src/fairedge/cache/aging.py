"""JSON whose ages are filled in when it is served: a cached answer never lies about time.

A document is serialised once (orjson) with a hole wherever it holds an age, and the instant each age counts
from. Serving it formats ``now − instant`` into the holes: one ``bytes % tuple`` call, no parsing. So an
entry may live until the data behind it changes, and its ages are still exact to the millisecond.

    body = AgedJson.dump({"quote_age_seconds": Since(confirmed)}, computed_at=now, valid_until=later)
    body.render(now + 5)  # b'{"quote_age_seconds":5.000}' when confirmed == now

The stored form (:meth:`encode`) is the same for every backend: a magic tag, the instants the entry is valid
between (by the application's clock, so a test's fake clock moves it too), the ages' base instants, and the
template. An entry written by another format version does not decode, which reads as a miss.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

MAGIC = b"FEA1"
_HEADER = struct.Struct("<4sddI")  # magic, computed_at, valid_until, number of ages
_HOLE = b"\x00"  # orjson escapes every control character inside strings, so a raw NUL marks a hole
_HOLE_FRAGMENT = orjson.Fragment(_HOLE)
_AGE_FORMAT = b"%.3f"  # milliseconds: a JSON number


class Since:
    """An age inside a document: the seconds from ``epoch`` to the moment the document is served, never
    negative. (A plain class: orjson would serialise a dataclass itself instead of asking for it.)"""

    __slots__ = ("epoch",)

    def __init__(self, epoch: float) -> None:
        self.epoch = epoch


@dataclass(frozen=True, slots=True)
class AgedJson:
    computed_at: float  # epoch seconds of the application's clock when the answer was computed
    valid_until: float  # it holds while computed_at <= now < valid_until (math.inf: until invalidated)
    bases: tuple[float, ...]  # each age's instant, in the order the holes appear
    template: bytes  # the JSON with ``%.3f`` at each hole and every other ``%`` doubled

    @classmethod
    def dump(cls, document: Any, *, computed_at: float, valid_until: float = math.inf) -> AgedJson:
        """Serialise ``document`` (dicts, lists, str, numbers, aware datetimes, :class:`Since`)."""
        bases: list[float] = []

        def hole(value: Any) -> orjson.Fragment:
            if isinstance(value, Since):
                bases.append(value.epoch)  # orjson serialises in document order: holes match bases
                return _HOLE_FRAGMENT
            raise TypeError(f"cannot serialise {type(value).__name__}")

        raw = orjson.dumps(document, default=hole, option=orjson.OPT_UTC_Z)
        template = raw.replace(b"%", b"%%").replace(_HOLE, _AGE_FORMAT)
        return cls(computed_at, valid_until, tuple(bases), template)

    def holds_at(self, now: float) -> bool:
        """Whether the answer is still true at ``now`` (a clock moved back before it was computed: no)."""
        return self.computed_at <= now < self.valid_until

    def render(self, now: float) -> bytes:
        return self.template % tuple(now - b if now > b else 0.0 for b in self.bases)

    def encode(self) -> bytes:
        n = len(self.bases)
        return b"".join(
            (
                _HEADER.pack(MAGIC, self.computed_at, self.valid_until, n),
                struct.pack(f"<{n}d", *self.bases),
                self.template,
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> AgedJson | None:
        """The entry, or None when ``data`` is not one (another format version, a truncated value)."""
        if len(data) < _HEADER.size or not data.startswith(MAGIC):
            return None
        _, computed_at, valid_until, n = _HEADER.unpack_from(data)
        start = _HEADER.size + 8 * n
        if len(data) < start:
            return None
        bases: Sequence[float] = struct.unpack_from(f"<{n}d", data, _HEADER.size)
        return cls(computed_at, valid_until, tuple(bases), data[start:])
