"""What a video container's headers declare about its streams, in one shape for every container."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Streams:
    """The stream list, as read; the codecs are those of the first video and first audio stream.

    A codec is None when its stream is absent, or present but not named
    in a way that could be read.
    """

    video: bool  # a video stream is declared
    video_codec: str | None = None
    audio_codec: str | None = None
    audio_tracks: int = 0

    @classmethod
    def listed(cls, video: list[str | None], audio: list[str | None]) -> Streams:
        """From the codecs of every video and audio stream, in the container's order."""
        return cls(
            video=bool(video),
            video_codec=video[0] if video else None,
            audio_codec=audio[0] if audio else None,
            audio_tracks=len(audio),
        )

    def codec_keys(self) -> dict[str, str | None]:
        """``video_codec`` / ``audio_codec`` for ``metadata``: a key that could not be read is left out,
        ``audio_codec`` is None when there is no audio stream."""
        keys: dict[str, str | None] = {}
        if self.video_codec is not None:
            keys["video_codec"] = self.video_codec
        if self.audio_tracks == 0:
            keys["audio_codec"] = None
        elif self.audio_codec is not None:
            keys["audio_codec"] = self.audio_codec
        return keys
