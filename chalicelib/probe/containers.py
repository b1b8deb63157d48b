"""The video containers hachoir reads: MP4/MOV, Matroska/WebM, AVI, ASF (WMV) and FLV.

``hachoir`` is pure Python, so it ships to AWS Lambda as a plain wheel
(ffprobe/MediaInfo would need native binaries or a layer), and it parses
fields lazily over a seekable stream, so only headers are fetched.
For MP4/MOV it seeks over ``mdat`` instead of reading it. Measured on a
40 MB MP4 whose ``moov`` is at the end: ~10 KB fetched in 2 reads (30 MB
ffmpeg files of every container: <= 25 KB).

hachoir's logger is silenced and warnings ignored only for the duration of
a call (not thread safe, which is fine on Lambda: one invocation per
process at a time).
"""

from __future__ import annotations

import warnings
from typing import Any

from hachoir.core.log import log as hachoir_log
from hachoir.metadata import extractMetadata
from hachoir.parser.container.mkv import MkvFile
from hachoir.parser.container.mp4 import MP4File
from hachoir.parser.container.riff import RiffFile
from hachoir.parser.video.asf import AsfFile
from hachoir.parser.video.flv import FlvFile
from hachoir.stream import InputIOStream

from chalicelib.probe.reader import BudgetedReader

_PARSER = {
    "video/mp4": MP4File,
    "video/quicktime": MP4File,
    "video/webm": MkvFile,
    "video/x-msvideo": RiffFile,
    "video/x-ms-wmv": AsfFile,
    "video/x-flv": FlvFile,
}


def parse(reader: BudgetedReader, mime: str) -> tuple[Any, Any]:
    """(hachoir parser, its metadata); (None, None) when the file does not parse.

    hachoir swallows most exceptions itself, including ``BudgetExceeded``
    raised from inside its reads: it then stops with what it already has.
    """
    reader.seek(0)
    printing = hachoir_log.use_print
    hachoir_log.use_print = False  # hachoir writes its warnings to stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stream = InputIOStream(reader, size=reader.size * 8, source="<upload>", tags=[])
            parser = _PARSER[mime](stream)
            if parser.validate() is not True:
                return None, None
            return parser, extractMetadata(parser)
    except Exception:  # any parser failure means "metadata unknown"
        return None, None
    finally:
        hachoir_log.use_print = printing
