"""Motion photos: how long a video the XMP says is appended to the JPEG.

Google's camera (and Samsung's, writing the same XMP) appends an MP4 after
the JPEG's EOI and declares it in the standard XMP packet, in one of two
forms (https://developer.android.com/media/platform/motion-photo-format):

* Motion Photo (v2): ``GCamera:MotionPhoto="1"`` and a
  ``Container:Directory`` whose item with ``Item:Semantic="MotionPhoto"``
  has ``Item:Length``, the video's size in bytes, counted from the end of
  the file.
* MicroVideo (v1, older phones): ``GCamera:MicroVideo="1"`` and
  ``GCamera:MicroVideoOffset``, the video's offset from the end of the file.

Properties are matched by namespace URI, not by prefix, and may be written
as attributes (as phones do) or as elements (as exiftool does).
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree

_CAMERA = "{http://ns.google.com/photos/1.0/camera/}"
_CONTAINER = "{http://ns.google.com/photos/1.0/container/}"
_ITEM = "{http://ns.google.com/photos/1.0/container/item/}"


def declared_video_length(packet: bytes) -> int | None:
    """Bytes at the end of the file that ``packet`` (an XMP packet) declares as video."""
    root = _parse(packet)
    if root is None:
        return None
    camera = _properties(root.iter(), _CAMERA)
    if camera.get("MotionPhoto") == "1":
        # The spec says readers must ignore the v1 properties of a v2 file.
        for item in root.iter(_CONTAINER + "Item"):
            fields = _properties(item.iter(), _ITEM)
            if fields.get("Semantic") == "MotionPhoto":
                return _positive(fields.get("Length"))
        return None
    if camera.get("MicroVideo") == "1":
        return _positive(camera.get("MicroVideoOffset"))
    return None


def _parse(packet: bytes) -> ElementTree.Element | None:
    # XMP never has a DTD; refusing one keeps entity expansion out entirely.
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        return None
    try:
        return ElementTree.fromstring(packet.strip(b"\x00 \t\r\n"))
    except ElementTree.ParseError:
        return None


def _properties(elements: Iterable[ElementTree.Element], namespace: str) -> dict[str, str]:
    """Properties of ``namespace`` on ``elements``, as attributes or simple child elements."""
    found: dict[str, str] = {}
    for element in elements:
        for key, value in element.attrib.items():
            if key.startswith(namespace):
                found.setdefault(key[len(namespace) :], value.strip())
        if element.tag.startswith(namespace) and element.text and element.text.strip():
            found.setdefault(element.tag[len(namespace) :], element.text.strip())
    return found


def _positive(text: str | None) -> int | None:
    if text is None or not (text.isascii() and text.isdigit()):
        return None
    return int(text) or None
