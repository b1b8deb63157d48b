"""Facts about a file that decide how it is delivered, kept apart from its public metadata.

``metadata`` is what the API shows; these are what the delivery rules need
to know (an animated GIF plays as a video on some channels, a CMYK or
16-bit image needs a converted copy, WhatsApp takes one audio stream at
most). They are stored on the record as plain JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Traits:
    animated: bool = False  # a GIF with more than one frame
    cmyk: bool = False  # a JPEG of 4 components (Adobe CMYK or YCCK)
    bit_depth: int = 8  # bits per sample when more than 8 (16-bit PNG, 12-bit JPEG), else 8
    audio_tracks: int = 0  # videos: how many audio streams the container declares

    def to_json(self) -> dict[str, bool | int]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Traits:
        """The traits stored by ``to_json``; missing keys (older records) take their defaults.

        Keys this version does not know are ignored; a value of the wrong
        type is a ValueError (the record was written by something else).
        """
        if data is None:
            return cls()
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name not in data:
                continue
            value = data[field.name]
            wanted = bool if field.type == "bool" else int
            if type(value) is not wanted or (wanted is int and value < 0):
                raise ValueError(f"traits.{field.name} must be a {'boolean' if wanted is bool else 'count'}: {value!r}")
            values[field.name] = value
        return cls(**values)
