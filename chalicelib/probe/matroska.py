"""WebM (Matroska): the structure walked to its end, and the tracks' codecs.

A WebM file is an EBML header, then one Segment holding everything else:
SeekHead, Info, Tracks, Clusters (the frames), Cues, Tags, ... Checked here:

* The Segment's declared size is where the file ends: bytes after it are
  ``trailing_data``, a size past the end of the file is ``corrupt_file``.
* The Segment's children are walked by their sizes to its end; a child
  running past the Segment is ``corrupt_file``. Only their headers are
  read: a 50 MB file of clusters a few hundred KB apart costs one small
  read per cluster (``Walk`` with ``MAX_HOPS``: past that many, the windows
  grow, so the number of requests stays bounded whatever the layout).
* Browsers' MediaRecorder writes a Segment and Clusters of unknown size
  (they were streamed): such a Segment ends at the end of the file, such a
  Cluster at the first element that cannot be one of its children. The
  blocks of an unknown-size Cluster are walked one by one (they are dense:
  the windows grow, a few requests for a whole file). An element that
  cannot belong to the Segment ends it, and anything left is
  ``trailing_data``.

The tracks (TrackType and CodecID of each TrackEntry) come from the Tracks
element found by the walk, read whole: a few hundred bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.probe import codec_names, ebml
from chalicelib.probe.reader import KIB, MAX_HOPS, WINDOW_BYTES, BudgetedReader, BudgetExceeded, Walk
from chalicelib.probe.refusals import corrupt_video, truncated_video, video_trailing_data
from chalicelib.probe.streams import Streams

EBML_HEADER, SEGMENT, CLUSTER, TRACKS = 0x1A45DFA3, 0x18538067, 0x1F43B675, 0x1654AE6B
VOID, CRC32 = 0xEC, 0xBF
SEGMENT_CHILDREN = frozenset(
    {0x114D9B74, 0x1549A966, TRACKS, CLUSTER, 0x1C53BB6B, 0x1941A469, 0x1043A770, 0x1254C367, VOID, CRC32}
)  # SeekHead, Info, Tracks, Cluster, Cues, Attachments, Chapters, Tags, Void, CRC-32
_BEFORE_SEGMENT = frozenset({SEGMENT, VOID, CRC32})  # after the EBML header
# Timestamp, SilentTracks, Position, PrevSize, SimpleBlock, BlockGroup, EncryptedBlock, Void, CRC-32
CLUSTER_CHILDREN = frozenset({0xE7, 0x5854, 0xA7, 0xAB, 0xA3, 0xA0, 0xAF, VOID, CRC32})
_TRACK_ENTRY, _TRACK_TYPE, _CODEC_ID, _CODEC_PRIVATE = 0xAE, 0x83, 0x86, 0x63A2
_VIDEO_TRACK, _AUDIO_TRACK = 1, 2
# A 50 MB file of 50-byte blocks (audio packets) is a million elements; a
# flood of empty elements is refused long before it costs seconds of Python.
MAX_ELEMENTS = 1_000_000
# Tracks is a few hundred bytes (a few KB with Vorbis' setup headers).
MAX_TRACKS_BYTES = 256 * KIB


@dataclass
class _Walker:
    reader: BudgetedReader
    walk: Walk
    elements: int = 0
    tracks_seen: bool = False
    streams: Streams | None = None  # of the first Tracks, read as the walk meets it

    def next_header(self, pos: int) -> tuple[bytes, ebml.Header | None]:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise corrupt_video()
        data = self.walk.bytes(pos, ebml.MAX_HEADER_BYTES)
        return data, ebml.header(data)

    def end_of(self, pos: int, found: ebml.Header, parent_end: int) -> int:
        """Where a known-size element ends, checked against its parent's end and the file's."""
        if found.size is None:  # only a Segment or a Cluster may be of unknown size
            raise corrupt_video()
        end = pos + found.length + found.size
        if end > self.reader.size:
            raise truncated_video()
        if end > parent_end:
            raise corrupt_video()
        return end

    def cut_short(self, pos: int, data: bytes, expected: frozenset[int]) -> bool:
        """Whether the file ends inside the header of an element that ``expected`` allows here."""
        return pos + len(data) >= self.reader.size and ebml.id_at(data) in expected


def read_webm(reader: BudgetedReader) -> Streams | None:
    """Checks the file ends where its Segment does (``ContentRejected`` if not); its tracks, if readable."""
    walker = _Walker(reader, Walk(reader, WINDOW_BYTES, MAX_HOPS))
    with reader.walking():
        _walk_file(walker)
    return walker.streams


def _walk_file(walker: _Walker) -> None:
    size = walker.reader.size
    data, found = walker.next_header(0)
    if found is None or found.ident != EBML_HEADER or found.size is None:
        raise corrupt_video()
    pos = walker.end_of(0, found, size)
    while True:  # Void elements may sit between the EBML header and the Segment
        data, found = walker.next_header(pos)
        if found is None or found.ident not in _BEFORE_SEGMENT:
            if pos >= size or walker.cut_short(pos, data, _BEFORE_SEGMENT):
                raise truncated_video()
            raise video_trailing_data()  # an EBML header, then something that is not WebM
        if found.ident == SEGMENT:
            break
        pos = walker.end_of(pos, found, size)
    body = pos + found.length
    if found.size is None:  # streamed: it ends where its children stop
        end = _walk_segment(walker, body, size, known=False)
    else:
        end = body + found.size
        if end > size:
            raise truncated_video()
        if end == size:
            _walk_segment(walker, body, end, known=True)
    if end < size:
        raise video_trailing_data()


def _walk_segment(walker: _Walker, pos: int, end: int, *, known: bool) -> int:
    """Walk the Segment's children from ``pos``; where the Segment ends.

    In a Segment of known size, an element of an unknown ID is skipped by
    its size (the format's rule for elements of later versions); in one of
    unknown size, it is where the Segment ends.
    """
    while pos < end:
        data, found = walker.next_header(pos)
        if found is None or (not known and found.ident not in SEGMENT_CHILDREN):
            if walker.cut_short(pos, data, SEGMENT_CHILDREN):
                raise truncated_video()
            if known:
                raise corrupt_video()
            return pos
        if found.size is None and found.ident == CLUSTER:
            pos = _walk_open_cluster(walker, pos + found.length, end)
            continue
        next_pos = walker.end_of(pos, found, end)
        if found.ident == TRACKS and not walker.tracks_seen:
            walker.tracks_seen = True
            try:
                walker.streams = _read_tracks(walker.reader, pos + found.length, next_pos)
            except BudgetExceeded:
                walker.streams = None
        pos = next_pos
    return pos


def _walk_open_cluster(walker: _Walker, pos: int, end: int) -> int:
    """Walk a Cluster of unknown size block by block; where it ends."""
    while pos < end:
        data, found = walker.next_header(pos)
        if found is None or found.ident not in CLUSTER_CHILDREN:
            if walker.cut_short(pos, data, CLUSTER_CHILDREN):
                raise truncated_video()
            return pos
        pos = walker.end_of(pos, found, end)
    return pos


def _read_tracks(reader: BudgetedReader, start: int, end: int) -> Streams | None:
    """The video and audio tracks of a Tracks element, in order; None when it cannot be read."""
    if end - start > MAX_TRACKS_BYTES:
        return None
    data = reader.read_at(start, end - start)
    video: list[str | None] = []
    audio: list[str | None] = []
    try:
        for ident, body, stop in ebml.children(data, 0, len(data)):
            if ident != _TRACK_ENTRY:
                continue
            fields = {
                child: data[child_body:child_end] for child, child_body, child_end in ebml.children(data, body, stop)
            }
            kind = ebml.unsigned(fields.get(_TRACK_TYPE, b""))
            codec = _codec(fields.get(_CODEC_ID, b""), fields.get(_CODEC_PRIVATE, b""))
            if kind == _VIDEO_TRACK:
                video.append(codec)
            elif kind == _AUDIO_TRACK:
                audio.append(codec)
    except ebml.Malformed:
        return None
    return Streams.listed(video, audio)


def _codec(codec_id: bytes, private: bytes) -> str | None:
    """A track's codec from its CodecID; Video for Windows and ACM tracks name it in CodecPrivate."""
    text = codec_id.rstrip(b"\x00").decode("latin-1")
    if text == codec_names.MATROSKA_VFW:
        return codec_names.from_bitmap_info(private)
    if text == codec_names.MATROSKA_ACM:
        return codec_names.from_wave_format_ex(private)
    return codec_names.from_matroska(text)
