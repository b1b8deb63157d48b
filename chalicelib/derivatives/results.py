"""What the engine returns, and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass


class DerivativeError(Exception):
    """A derivative cannot be made: the source cannot be decoded, the result cannot fit, or
    the time ran out. ``reason`` is written for a person (it becomes the channel's reason
    and the failure's log line); the library's own exception, if any, is chained."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Made:
    """A video made and checked: what a rendition record needs to describe it."""

    size: int
    width: int
    height: int
    duration: float
    video_codec: str = "h264"
    audio_codec: str | None = "aac"

    @property
    def metadata(self) -> dict[str, int | float | str | None]:
        """As a MediaFile's ``metadata`` holds it."""
        return {
            "width": self.width,
            "height": self.height,
            "duration": round(self.duration, 3),
            "video_codec": self.video_codec,
            "audio_codec": self.audio_codec,
        }
