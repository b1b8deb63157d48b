"""The names ``metadata.video_codec`` / ``audio_codec`` take, from each container's own codes.

One lower-case vocabulary whatever the container (FFmpeg's codec names):
video ``h264``, ``hevc``, ``vp8``, ``vp9``, ``av1``, ``mpeg4``, ``wmv``,
``vc1``, ``flv``, ``vp6``, ``mjpeg``, ...; audio ``aac``, ``mp3``, ``opus``,
``vorbis``, ``wma``, ``ac3``, ``eac3``, ``pcm``, ... A code not listed here
is kept as its own text (a fourcc lower-cased and stripped, a Matroska
CodecID lower-cased) or, for a number, as ``<table>_<number>``, rather than
dropped: the delivery rules only need to know it is not one they take.
"""

from __future__ import annotations

# ISO BMFF sample entry types (stsd), also used by enhanced FLV's FourCC.
SAMPLE_ENTRIES = {
    **dict.fromkeys([b"avc1", b"avc2", b"avc3", b"avc4", b"dva1", b"dvav"], "h264"),
    **dict.fromkeys([b"hvc1", b"hev1", b"dvh1", b"dvhe"], "hevc"),
    **dict.fromkeys([b"vvc1", b"vvi1"], "vvc"),
    b"vp08": "vp8",
    b"vp09": "vp9",
    **dict.fromkeys([b"av01", b"dav1"], "av1"),
    b"mp4v": "mpeg4",
    **dict.fromkeys([b"s263", b"h263"], "h263"),
    **dict.fromkeys([b"jpeg", b"mjpa", b"mjpb"], "mjpeg"),
    **dict.fromkeys([b"apch", b"apcn", b"apcs", b"apco", b"ap4h", b"ap4x"], "prores"),
    b"mp4a": "aac",
    **dict.fromkeys([b"Opus", b"opus"], "opus"),
    **dict.fromkeys([b".mp3", b"mp3 "], "mp3"),
    b"ac-3": "ac3",
    b"ec-3": "eac3",
    b"ac-4": "ac4",
    b"alac": "alac",
    **dict.fromkeys([b"fLaC", b"flac"], "flac"),
    b"samr": "amr_nb",
    b"sawb": "amr_wb",
    **dict.fromkeys([b"dtsc", b"dtsh", b"dtsl", b"dtse"], "dts"),
    **dict.fromkeys(
        [b"lpcm", b"sowt", b"twos", b"in24", b"in32", b"fl32", b"fl64", b"raw ", b"ipcm", b"fpcm", b"NONE"], "pcm"
    ),
    b"ulaw": "pcm_mulaw",
    b"alaw": "pcm_alaw",
}

# MPEG-4 objectTypeIndication (esds DecoderConfigDescriptor), as registered by MP4RA.
OBJECT_TYPES = {
    0x20: "mpeg4",
    0x21: "h264",
    0x23: "hevc",
    **dict.fromkeys(range(0x60, 0x66), "mpeg2video"),
    0x6A: "mpeg1video",
    0x6C: "mjpeg",
    **dict.fromkeys([0x40, 0x66, 0x67, 0x68], "aac"),
    **dict.fromkeys([0x69, 0x6B], "mp3"),
    0xA5: "ac3",
    0xA6: "eac3",
    0xA9: "dts",
    0xAD: "opus",
    0xDD: "vorbis",  # not registered; what FFmpeg and others write
}

# BITMAPINFOHEADER biCompression / AVI strh fccHandler, compared upper-cased.
VIDEO_FOURCCS = {
    **dict.fromkeys(["H264", "X264", "AVC1", "DAVC", "VSSH", "AVC "], "h264"),
    **dict.fromkeys(["HEVC", "H265", "HVC1", "HEV1", "X265"], "hevc"),
    **dict.fromkeys(["XVID", "DIVX", "DX50", "FMP4", "MP4V", "M4S2", "MP4S", "3IV2", "UMP4", "BLZ0"], "mpeg4"),
    **dict.fromkeys(["DIV3", "MP43", "DIV4"], "msmpeg4v3"),
    "MP42": "msmpeg4v2",
    "MPG4": "msmpeg4v1",
    **dict.fromkeys(["MJPG", "AVRN", "JPGL", "LJPG", "AVDJ", "MJPA"], "mjpeg"),
    "VP80": "vp8",
    "VP90": "vp9",
    "AV01": "av1",
    **dict.fromkeys(["WMV1", "WMV2", "WMV3", "WMVP"], "wmv"),
    **dict.fromkeys(["WVC1", "WMVA", "WVP2"], "vc1"),
    "FLV1": "flv",
    **dict.fromkeys(["VP60", "VP61", "VP62", "VP6F", "VP6A"], "vp6"),
    **dict.fromkeys(["DVSD", "DV25", "DV50", "DVHD", "DVSL", "CDVC"], "dvvideo"),
    **dict.fromkeys(["MPG1", "MPEG", "PIM1"], "mpeg1video"),
    **dict.fromkeys(["MPG2", "MMES", "MX5P"], "mpeg2video"),
    "CVID": "cinepak",
    "HFYU": "huffyuv",
    "FFV1": "ffv1",
    **dict.fromkeys(["UYVY", "YUY2", "YV12", "I420", "Y800"], "rawvideo"),
}
_BI_RGB = 0  # biCompression of uncompressed RGB (and 1/2 of RLE8/RLE4)

# WAVEFORMATEX wFormatTag (AVI strf, ASF audio streams, Matroska A_MS/ACM).
WAVE_FORMATS = {
    **dict.fromkeys([0x0001, 0x0003], "pcm"),
    0x0002: "adpcm_ms",
    0x0006: "pcm_alaw",
    0x0007: "pcm_mulaw",
    0x0011: "adpcm_ima_wav",
    0x0031: "gsm_ms",
    0x0050: "mp2",
    0x0055: "mp3",
    **dict.fromkeys([0x00FF, 0x1610, 0x4143, 0x706D, 0xA106], "aac"),
    **dict.fromkeys([0x0160, 0x0161, 0x0162, 0x0163], "wma"),
    0x000A: "wmavoice",
    0x2000: "ac3",
    0x2001: "dts",
    **dict.fromkeys([0x566F, 0x674F, 0x6750, 0x6751, 0x676F, 0x6770, 0x6771], "vorbis"),
    0x704F: "opus",
    0xF1AC: "flac",
}
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

# Matroska CodecID, exact; then by prefix (A_AAC/MPEG4/LC, A_AC3/BSID9, ...).
MATROSKA_CODECS = {
    "V_MPEG4/ISO/AVC": "h264",
    "V_MPEGH/ISO/HEVC": "hevc",
    "V_MPEGI/ISO/VVC": "vvc",
    "V_VP8": "vp8",
    "V_VP9": "vp9",
    "V_AV1": "av1",
    "V_MPEG4/ISO/SP": "mpeg4",
    "V_MPEG4/ISO/ASP": "mpeg4",
    "V_MPEG4/ISO/AP": "mpeg4",
    "V_MPEG4/MS/V3": "msmpeg4v3",
    "V_MPEG1": "mpeg1video",
    "V_MPEG2": "mpeg2video",
    "V_THEORA": "theora",
    "V_MJPEG": "mjpeg",
    "V_PRORES": "prores",
    "V_FFV1": "ffv1",
    "A_OPUS": "opus",
    "A_VORBIS": "vorbis",
    "A_MPEG/L3": "mp3",
    "A_MPEG/L2": "mp2",
    "A_MPEG/L1": "mp1",
    "A_EAC3": "eac3",
    "A_FLAC": "flac",
    "A_TRUEHD": "truehd",
    "A_ALAC": "alac",
    "A_PCM/INT/LIT": "pcm",
    "A_PCM/INT/BIG": "pcm",
    "A_PCM/FLOAT/IEEE": "pcm",
    "A_TTA1": "tta",
    "A_WAVPACK4": "wavpack",
}
_MATROSKA_PREFIXES = (("A_AAC", "aac"), ("A_AC3", "ac3"), ("A_DTS", "dts"), ("A_REAL/", "real"), ("V_REAL/", "real"))
MATROSKA_VFW, MATROSKA_ACM = "V_MS/VFW/FOURCC", "A_MS/ACM"  # a BITMAPINFOHEADER / WAVEFORMATEX follows

# FLV tags: the video CodecID (low 4 bits), the audio SoundFormat (high 4 bits).
FLV_VIDEO = {2: "flv", 3: "flashsv", 4: "vp6", 5: "vp6", 6: "flashsv2", 7: "h264", 12: "hevc"}
FLV_AUDIO = {
    0: "pcm",
    1: "adpcm_swf",
    2: "mp3",
    3: "pcm",
    4: "nellymoser",
    5: "nellymoser",
    6: "nellymoser",
    7: "pcm_alaw",
    8: "pcm_mulaw",
    10: "aac",
    11: "speex",
    14: "mp3",
}

_TEXT_LIMIT = 32  # a CodecID is short; a longer one is cut, not stored whole


def text_of(raw: bytes | str) -> str | None:
    """A code as text: printable ASCII kept, lower-cased, stripped; None when nothing is left."""
    if isinstance(raw, bytes):
        raw = raw.decode("latin-1")
    kept = "".join(char for char in raw if " " <= char <= "~").strip().lower()
    return kept[:_TEXT_LIMIT] or None


def from_sample_entry(kind: bytes) -> str | None:
    return SAMPLE_ENTRIES.get(kind) or text_of(kind)


def from_video_fourcc(raw: bytes) -> str | None:
    """A BITMAPINFOHEADER biCompression (or an AVI fccHandler)."""
    if len(raw) == 4 and int.from_bytes(raw, "little") in (_BI_RGB, 1, 2):
        return "rawvideo"
    text = raw.decode("latin-1").upper()
    return VIDEO_FOURCCS.get(text) or VIDEO_FOURCCS.get(text.strip()) or text_of(raw)


def known_video_fourcc(raw: bytes) -> bool:
    return raw.decode("latin-1").upper() in VIDEO_FOURCCS


def from_bitmap_info(data: bytes) -> str | None:
    """A BITMAPINFOHEADER's biCompression (after biSize, width, height, planes, bit count)."""
    return from_video_fourcc(data[16:20]) if len(data) >= 20 else None


def from_wave_format(tag: int) -> str:
    return WAVE_FORMATS.get(tag) or f"wave_0x{tag:04x}"


def from_wave_format_ex(data: bytes) -> str | None:
    """A WAVEFORMATEX's wFormatTag; for WAVE_FORMAT_EXTENSIBLE, its SubFormat's (the GUID's first field)."""
    if len(data) < 2:
        return None
    tag = int.from_bytes(data[:2], "little")
    if tag == WAVE_FORMAT_EXTENSIBLE and len(data) >= 26:
        tag = int.from_bytes(data[24:26], "little")
    return from_wave_format(tag)


def from_matroska(codec_id: str) -> str | None:
    if codec_id in MATROSKA_CODECS:
        return MATROSKA_CODECS[codec_id]
    for prefix, name in _MATROSKA_PREFIXES:
        if codec_id.startswith(prefix):
            return name
    return text_of(codec_id)


def from_flv_video(codec_id: int) -> str:
    return FLV_VIDEO.get(codec_id) or f"flv_video_{codec_id}"


def from_flv_audio(sound_format: int) -> str:
    return FLV_AUDIO.get(sound_format) or f"flv_audio_{sound_format}"
