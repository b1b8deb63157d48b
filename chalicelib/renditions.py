"""The derivatives engine (chalicelib.derivatives, PyAV and Pillow) as the worker uses it:
which maker a kind of rendition takes, what the result is called and weighs, and the
engine's refusals turned into the worker's three answers (made, impossible, failed)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from chalicelib.domain.channels import RenditionKind
from chalicelib.domain.values import RENDITION_EXTENSIONS, RenditionFile
from chalicelib.thumbnails import RenderError

MIME_TYPES = {"mp4": "video/mp4", "jpg": "image/jpeg"}


class RenditionFailed(Exception):
    """Making the rendition failed (the source cannot be decoded, the time ran out, the
    result did not fit): ``reason`` is for a person; the reconciler tries again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Impossible:
    """No rendition can be made at all (too long to fit 16 MB at a watchable quality)."""

    reason: str


@dataclass(frozen=True)
class Made:
    """A rendition made and checked, in the worker's working directory."""

    path: Path
    extension: str
    metadata: dict[str, int | float | str | None]

    def file(self, key: str) -> RenditionFile:
        return RenditionFile(key, MIME_TYPES[self.extension], self.extension, self.path.stat().st_size, self.metadata)

    def body(self) -> bytes:
        return self.path.read_bytes()


def poster(source: Path) -> bytes:
    """A video's poster (a WebP of its first frame that is not black, as displayed)."""
    from chalicelib.derivatives import DerivativeError, make_poster

    try:
        return make_poster(source)
    except DerivativeError as exc:
        raise RenderError(exc.reason) from exc


def make(kind: RenditionKind, source: Path, work: Path, *, deadline: float | None = None) -> Made | Impossible:
    """The rendition of ``kind`` of the file at ``source``, written under ``work``."""
    from chalicelib import derivatives

    target = work / f"rendition.{RENDITION_EXTENSIONS[kind]}"
    try:
        if kind == RenditionKind.VIDEO_MP4:
            facts = derivatives.read_video_facts(source)
            plan = derivatives.plan_video(facts.duration, facts.width, facts.height, facts.fps, facts.has_audio)
            if isinstance(plan, derivatives.CannotFit):
                return Impossible(plan.reason)
            made = derivatives.transcode_video(source, target, plan, rotation=facts.rotation, deadline=deadline)
            return Made(target, "mp4", made.metadata)
        if kind == RenditionKind.GIF_MP4:
            return Made(target, "mp4", derivatives.make_gif_loop(source, target, deadline=deadline).metadata)
        with source.open("rb") as picture:
            target.write_bytes(derivatives.make_image_rendition(picture, kind))
        return Made(target, "jpg", _picture_size(target))
    except derivatives.DerivativeError as exc:
        raise RenditionFailed(exc.reason) from exc


def _picture_size(path: Path) -> dict[str, int | float | str | None]:
    from PIL import Image

    with Image.open(io.BytesIO(path.read_bytes())) as img:
        return {"width": img.width, "height": img.height}
