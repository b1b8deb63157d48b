"""The short texts beside the tools' structured results: what a model or a client that reads only
text needs to choose a file and send it (its id, name, kind, size and URL), one line a file."""

from __future__ import annotations

from typing import Any


def _dimensions(metadata: dict[str, Any] | None) -> str:
    if not metadata:
        return ""
    size = f", {metadata['width']}x{metadata['height']}" if "width" in metadata and "height" in metadata else ""
    duration = metadata.get("duration")
    return size + (f", {duration:g} s" if isinstance(duration, int | float) else "")


def _channel_part(media: dict[str, Any], channel: str | None) -> str:
    if channel is None:
        return ""
    url = media.get("channel_url")
    return f"; on {channel}: {url}" if url else f"; {channel} cannot take it"


def one_file(media: dict[str, Any], channel: str | None) -> str:
    """``#12 "Product Hero" (image/jpeg, 200 KB, 1920x1080): https://...``"""
    size = f", {media['formatted_size']}" if "formatted_size" in media else ""
    details = f"{media['mime_type']}{size}{_dimensions(media.get('metadata'))}"
    return f'#{media["id"]} "{media["name"]}" ({details}): {media["url"]}{_channel_part(media, channel)}'


def found(files: list[dict[str, Any]], channel: str | None, ranked: bool) -> str:
    if not files:
        return "No files found."
    head = f"{_count(len(files), 'file')} found, {'best match' if ranked else 'newest'} first:"
    return "\n".join([head, *(one_file(f, channel) for f in files)])


def preview_note(has_thumbnail: bool, shown: bool) -> str:
    if shown:
        return "Its thumbnail follows as an image."
    if not has_thumbnail:
        return "No thumbnail yet (videos have none; an image's is made seconds after its upload)."
    return "Its thumbnail could not be read (missing, or over 1 MB)."


def account(body: dict[str, Any]) -> str:
    usage = body["usage"]
    plan = "unlimited plan" if body["media_limit"] is None else f"{body['remaining']} of {body['media_limit']} left"
    kinds = f"{_count(usage['images'], 'image')}, {_count(usage['videos'], 'video')}"
    return f"{body['name']}: {_count(usage['files'], 'file')} ({kinds}), {usage['formatted_bytes']}; {plan}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
