"""Tiny but well-formed ELF shared objects and wheel-shaped zips for the package check.

A real source-built extension needs a compiler and a build; these files carry
exactly what the check reads (machine, DT_NEEDED, .gnu.version_r), so every
verdict can be produced on purpose.
"""

from __future__ import annotations

import io
import struct
import zipfile

EM_X86_64 = 62
EM_AARCH64 = 183


def shared_object(needed: dict[str, list[str]], machine: int = EM_X86_64) -> bytes:
    """An ELF64 .so linking ``needed`` ({library: [symbol versions]})."""
    strings = bytearray(b"\0")

    def add(text: str) -> int:
        offset = len(strings)
        strings.extend(text.encode() + b"\0")
        return offset

    shstrtab = bytearray(b"\0")

    def section_name(text: str) -> int:
        offset = len(shstrtab)
        shstrtab.extend(text.encode() + b"\0")
        return offset

    dynamic = b"".join(struct.pack("<qQ", 1, add(lib)) for lib in needed) + struct.pack("<qQ", 0, 0)
    verneed = bytearray()
    entries = [(lib, versions) for lib, versions in needed.items() if versions]
    for i, (lib, versions) in enumerate(entries):
        size = 16 + 16 * len(versions)
        next_entry = size if i + 1 < len(entries) else 0
        verneed += struct.pack("<HHIII", 1, len(versions), add(lib), 16, next_entry)
        for j, version in enumerate(versions):
            verneed += struct.pack("<IHHII", 0, 0, j + 2, add(version), 16 if j + 1 < len(versions) else 0)

    names = [section_name(n) for n in (".dynstr", ".dynamic", ".gnu.version_r", ".shstrtab")]
    blobs = [bytes(strings), dynamic, bytes(verneed), bytes(shstrtab)]
    offset = 64
    layout = []
    for blob in blobs:
        layout.append(offset)
        offset += len(blob)
    shoff = offset
    # index 0 is the null section; .dynstr is index 1
    sections = [struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]
    types = [3, 6, 0x6FFFFFFE, 3]
    links = [0, 1, 1, 0]
    infos = [0, 0, len(entries), 0]
    for name, kind, pos, blob, link, info in zip(names, types, layout, blobs, links, infos, strict=True):
        sections.append(struct.pack("<IIQQQQIIQQ", name, kind, 0, 0, pos, len(blob), link, info, 8, 0))
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = struct.pack("<16sHHIQQQIHHHHHH", ident, 3, machine, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(sections), 4)
    return header + b"".join(blobs) + b"".join(sections)


def wheel_zip(files: dict[str, bytes], dists: dict[str, tuple[str, list[str]]]) -> bytes:
    """A deployment-zip-shaped archive: ``files`` plus a dist-info (WHEEL tag, RECORD) per dist.

    ``dists`` maps "name-version" -> (wheel tag, files it installed).
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for dist, (tag, owned) in dists.items():
            info = f"{dist}.dist-info"
            archive.writestr(f"{info}/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")
            record = "".join(f"{path},,\n" for path in [*owned, f"{info}/WHEEL", f"{info}/RECORD"])
            archive.writestr(f"{info}/RECORD", record)
    return out.getvalue()
