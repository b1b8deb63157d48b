"""FLV: the first tags (streams and codecs), and how the file ends.

An FLV is a 9-byte header, then tags (11-byte header, data, and a 4-byte
PreviousTagSize repeating the tag's size), one per audio or video frame:
tens of thousands in a 50 MB file, packed tight. Walking them all means
reading the whole file, so it is done only when needed:

* The first tags are walked (usually one read) until the first video tag
  and, if the header announces audio, the first audio tag: their first
  bytes name the codecs.
* The end is checked from the tail (one read): the last PreviousTagSize
  must point back to a tag header whose type and size agree with it, and
  so on back through the tags in that read. A file cut short or with
  something appended (a ZIP, a web page) fails this almost surely; a file
  crafted to pass it could as well hide its payload in a tag's data, which
  no check of the structure can see, so more reading would buy nothing.
* Only when the tail does not agree are all the tags walked (in growing
  windows: a few requests), to tell a file cut short (``corrupt_file``)
  from one with something after its last tag (``trailing_data``).
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.probe import codec_names
from chalicelib.probe.reader import KIB, MAX_HOPS, WINDOW_BYTES, BudgetedReader, Walk
from chalicelib.probe.refusals import corrupt_video, truncated_video, video_trailing_data
from chalicelib.probe.streams import Streams

_AUDIO, _VIDEO, _SCRIPT = 8, 9, 18
_HEADER_AUDIO_FLAG, _HEADER_VIDEO_FLAG = 0x04, 0x01
_TAG_HEADER = 11  # type, data size (3 bytes), timestamp (3 + 1), stream id (3 bytes, always 0)
_PREVIOUS_SIZE = 4
# Tags looked at for the codecs before giving up (an audio-only file walks them all).
MAX_HEAD_TAGS = 100_000
# Tags of the full walk: 50 MB of tags of 50 bytes; more is refused as corrupt.
MAX_TAGS = 1_000_000
TAIL_BYTES = 64 * KIB
MAX_TAIL_TAGS = 64
_ENHANCED_VIDEO, _ENHANCED_AUDIO = 0x80, 9  # the FrameType bit and SoundFormat of enhanced FLV (E-RTMP)


def read_flv(reader: BudgetedReader) -> Streams | None:
    """The streams the first tags show; raises ``ContentRejected`` when the file does not end at a tag."""
    head = reader.read_at(0, 9)
    data_offset = int.from_bytes(head[5:9], "big")
    if len(head) < 9 or not 9 <= data_offset <= reader.size - _PREVIOUS_SIZE:
        raise corrupt_video()
    first, flags = data_offset + _PREVIOUS_SIZE, head[4]
    found: dict[int, bytes] = {}

    def enough(kind: int, data: bytes) -> bool:
        if kind in (_AUDIO, _VIDEO):
            found.setdefault(kind, data)
        return _VIDEO in found and (_AUDIO in found or not flags & _HEADER_AUDIO_FLAG)

    walk = Walk(reader, WINDOW_BYTES, MAX_HOPS)
    with reader.walking():
        outcome = _walk_tags(walk, first, reader.size, enough, MAX_HEAD_TAGS)
        if outcome != "ended" and not _tail_agrees(reader, first):
            _walk_tags(walk, first, reader.size, lambda kind, data: False, MAX_TAGS)
    if _VIDEO not in found and outcome == "limit" and not flags & _HEADER_VIDEO_FLAG:
        return Streams(video=False)  # that many tags and no video: an audio file
    return Streams(
        video=_VIDEO in found or (outcome == "limit" and bool(flags & _HEADER_VIDEO_FLAG)),
        video_codec=_video_codec(found[_VIDEO]) if _VIDEO in found else None,
        audio_codec=_audio_codec(found[_AUDIO]) if _AUDIO in found else None,
        audio_tracks=1 if _AUDIO in found else 0,
    )


def _walk_tags(walk: Walk, pos: int, size: int, stop: Callable[[int, bytes], bool], limit: int) -> str:
    """Walk tags from ``pos``, giving ``stop`` each one's type and first data bytes.

    Returns "stopped" when ``stop`` said so, "ended" at the end of the
    file, "limit" after ``limit`` tags (refused as corrupt when the walk
    was meant to reach the end). Raises when a tag does not fit the file.
    """
    for _ in range(limit):
        if pos >= size:
            return "ended"
        tag = walk.bytes(pos, _TAG_HEADER + 5)
        plausible = tag[0] & 0xC0 == 0 and tag[0] & 0x1F in (_AUDIO, _VIDEO, _SCRIPT)
        if len(tag) < _TAG_HEADER or not plausible or tag[8:11] != b"\x00\x00\x00":
            if plausible and pos + len(tag) >= size and len(tag) < _TAG_HEADER:
                raise truncated_video()
            raise video_trailing_data()
        end = pos + _TAG_HEADER + int.from_bytes(tag[1:4], "big") + _PREVIOUS_SIZE
        if end > size:
            raise truncated_video()
        if stop(tag[0] & 0x1F, tag[_TAG_HEADER:]):
            return "stopped"
        pos = end
    if limit == MAX_TAGS:
        raise corrupt_video()
    return "limit"


def _tail_agrees(reader: BudgetedReader, first: int) -> bool:
    """Whether the PreviousTagSize fields at the end lead back through consistent tag headers."""
    tail_start = max(first, reader.size - TAIL_BYTES)
    tail = reader.read_at(tail_start, reader.size - tail_start)
    end, checked = reader.size, 0
    while checked < MAX_TAIL_TAGS and end > first:
        if end - _PREVIOUS_SIZE < tail_start:
            return checked > 0
        previous = int.from_bytes(tail[end - _PREVIOUS_SIZE - tail_start : end - tail_start], "big")
        start = end - _PREVIOUS_SIZE - previous
        if previous < _TAG_HEADER or start < first:
            return False
        # The last tag's header is read wherever it is; earlier ones only inside the tail.
        if start < tail_start and checked > 0:
            return True
        tag = tail[start - tail_start : start - tail_start + _TAG_HEADER] if start >= tail_start else b""
        tag = tag or reader.read_at(start, _TAG_HEADER)
        if len(tag) < _TAG_HEADER or tag[0] & 0x1F not in (_AUDIO, _VIDEO, _SCRIPT) or tag[0] & 0xC0:
            return False
        if int.from_bytes(tag[1:4], "big") != previous - _TAG_HEADER or tag[8:11] != b"\x00\x00\x00":
            return False
        end, checked = start, checked + 1
    return True


def _video_codec(data: bytes) -> str | None:
    if not data:
        return None
    if data[0] & _ENHANCED_VIDEO:  # enhanced FLV: a FourCC follows (hvc1, av01, vp09)
        return codec_names.from_sample_entry(data[1:5]) if len(data) >= 5 else None
    return codec_names.from_flv_video(data[0] & 0x0F)


def _audio_codec(data: bytes) -> str | None:
    if not data:
        return None
    if data[0] >> 4 == _ENHANCED_AUDIO:  # enhanced FLV: a FourCC follows (Opus, fLaC, ac-3, ...)
        return codec_names.from_sample_entry(data[1:5]) if len(data) >= 5 else None
    return codec_names.from_flv_audio(data[0] >> 4)
