"""The in-memory model the stateful test checks the service against: what each
account should hold, and the files a client may send (with what the service must
make of them). Written from the contract (docs/architecture.md, "The contract"), not from the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.helpers.media import VIDEOS as FIXTURE_VIDEOS
from tests.helpers.media import fixture_bytes, image_bytes

# (filename, bytes, kind, mime, metadata): kind is image | video | invalid.
IMAGE_FORMATS = {
    "PNG": ("image/png", ["png", "PNG"]),
    "GIF": ("image/gif", ["gif"]),
    "JPEG": ("image/jpeg", ["jpg", "jpeg"]),
}
# The MediaFile object (docs/architecture.md, "The MediaFile object"): the content decides the stored
# extension; the name's is kept when it fits.
CONTENT_EXTENSIONS = {
    "image/png": "png",
    "image/gif": "gif",
    "image/jpeg": "jpg",
    "video/mp4": "mp4",
    "video/webm": "webm",
}
NAME_FITS = {"png": "image/png", "gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg", "mp4": "video/mp4"}
VIDEOS = [("clip.mp4", "sample.mp4", "video/mp4", 64, 48, 2.0), ("clip.webm", "sample.webm", "video/webm", 80, 60, 1.2)]
INVALID = [("notes.txt", "png"), ("page.png", "html"), ("empty.png", "empty"), ("still.mp4", "png"), ("README", "png")]
# Client filenames and what the service must keep of them (path dropped, bidi/control removed, NFC).
CLEANED = {
    "../../etc/passwd.png": "passwd.png",
    "C:\\Users\\me\\Desktop\\photo.png": "photo.png",
    ".hidden.png": "hidden.png",
    "Ph\u202eoto.png": "Photo.png",
    "Cafe\u0301 au lait.png": "Café au lait.png",
    "tab\there.png": "tabhere.png",
    "x" * 300 + ".png": "x" * 251 + ".png",
}
BASES = ["photo", "Hero Shot", "café", "IMG_0042", "logo ✓"]
NAME = st.text(alphabet="abcXYZ é✓-_ ", min_size=0, max_size=12)
BAD_NAMES = ["", "   ", "bell\x07", "x" * 256, "rtl\u202eoverride", 42]
# Blank searches mean none; the others hit names, original names, both or nothing, in any case.
SEARCHES = ["", "  ", "PHOTO", "é", "hero s", "g_00", "UPLOAD.", "✓", "x", "a", "zz-none"]
# Fields a rename must ignore (only `name` ever changes).
IGNORED_FIELDS = [{}, {"uploaded_by": "client"}, {"file_size": 1, "id": 7}, {"url": "https://evil.test/"}]
NAMES = st.one_of(st.none(), NAME, st.sampled_from(["  Padded  ", *BAD_NAMES[1:5]]))


@st.composite
def files(draw: Any) -> tuple[str, bytes, str, str | None, Any]:
    kind = draw(st.sampled_from(["image"] * 6 + ["video", "invalid", "cleaned"]))
    if kind == "video":
        filename, fixture, mime, *_ = draw(st.sampled_from(VIDEOS))
        return filename, fixture_bytes(fixture), "video", mime, FIXTURE_VIDEOS[fixture][1]
    if kind == "invalid":
        filename, content = draw(st.sampled_from(INVALID))
        data = {"png": image_bytes("PNG", 5, 5), "html": b"<html><body>hi</body></html>", "empty": b""}[content]
        return filename, data, "invalid", None, None
    fmt = draw(st.sampled_from(sorted(IMAGE_FORMATS)))
    width, height = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    mime, extensions = IMAGE_FORMATS[fmt]
    filename = draw(st.sampled_from(sorted(CLEANED))) if kind == "cleaned" else None
    filename = filename or f"{draw(st.sampled_from(BASES))}.{draw(st.sampled_from(extensions))}"
    return filename, image_bytes(fmt, width, height), "image", mime, {"width": width, "height": height}


def stored_extension(original: str, mime: str | None) -> str:
    declared = original.rsplit(".", 1)[1].lower()
    assert mime is not None
    return declared if NAME_FITS.get(declared) == mime else CONTENT_EXTENSIONS[mime]


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{f'{size:.2f}'.rstrip('0').rstrip('.')} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


@dataclass
class Library:
    """The model of one account: its keys, plan limit and files (id -> MediaFile JSON)."""

    account_id: str
    keys: dict[str, bool]  # key -> revoked?
    limit: int | None
    media: dict[int, dict[str, Any]] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)
    last_id: int = 0

    def listed(self, file_type: str | None = None, search: str | None = None) -> list[dict[str, Any]]:
        def hit(m: dict[str, Any]) -> bool:
            return not search or search in m["name"].lower() or search in m["original_name"].lower()

        chosen = [m for m in self.media.values() if file_type in (None, m["file_type"]) and hit(m)]
        return sorted(chosen, key=lambda m: -m["id"])

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.media) >= self.limit

    def counters(self) -> tuple[int, int, int, int]:
        """(media_count, image_count, video_count, bytes_used) as the account must hold them."""
        types = [m["file_type"] for m in self.media.values()]
        size = sum(m["file_size"] for m in self.media.values())
        return len(types), types.count("image"), types.count("video"), size

    def page(self, file_type: str | None, search: str | None, page: int, per_page: int) -> tuple[list[Any], Any]:
        """The data and the meta (Laravel's length-aware paginator) of one page."""
        everything = self.listed(file_type, search)
        window = everything[(page - 1) * per_page : page * per_page]
        first = (page - 1) * per_page + 1
        meta = {
            "current_page": page,
            "last_page": max(1, -(-len(everything) // per_page)),
            "per_page": per_page,
            "total": len(everything),
            "from": first if window else None,
            "to": first + len(window) - 1 if window else None,
        }
        return window, meta

    def chunks(self, file_type: str | None, search: str | None, per_page: int) -> list[list[dict[str, Any]]]:
        """The pages a cursor walk must see, in order (one empty page for an empty list)."""
        everything = self.listed(file_type, search)
        return [everything[i : i + per_page] for i in range(0, len(everything), per_page)] or [[]]

    def expect_upload(self, file: tuple[str, bytes, str, str | None, Any], name: Any) -> str | dict[str, Any]:
        """``invalid`` (422), ``full`` (403) or the fields the new MediaFile must have."""
        filename, data, kind, mime, metadata = file
        display = name.strip() if isinstance(name, str) and name.strip() else None
        if kind == "invalid" or (display is not None and not valid_name(display)):
            return "invalid"
        if self.full:
            return "full"
        original = CLEANED.get(filename, filename)
        return {
            "name": display or original,
            "original_name": original,
            "file_type": kind,
            "mime_type": mime,
            "extension": stored_extension(original, mime),
            "file_size": len(data),
            "formatted_size": human_size(len(data)),
            "metadata": metadata,
            "uploaded_by": "client",
            "is_active": True,
        }


def valid_name(value: Any) -> bool:
    """A display name the contract accepts: a string of 1..255 printable characters once trimmed."""
    return isinstance(value, str) and 0 < len(value.strip()) <= 255 and value.isprintable()
