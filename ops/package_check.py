"""The deployment zip: slim it, then prove its native code will load on Lambda.

    .venv/bin/python -m ops.package_check dist/deployment.zip     # what `make package` runs
    .venv/bin/python -m ops.package_check --check-only some.zip   # no slimming, no smoke run
    .venv/bin/python -m ops.package_check dist/deployment.zip --layer dist/worker-layer.zip

Chalice packages the whole dependency closure of requirements.txt. Slimming
drops what the Lambda Python runtime already provides (botocore and its
dependencies, pulled in by PynamoDB) and the Pillow extension modules this
service never loads (only JPEG/PNG/GIF are accepted, docs/architecture.md, "Types and sizes"), together
with the bundled libraries only they needed.

The check fails on any native file that would not load on the target runtime:
one not installed from a manylinux wheel for it (chalice silently builds a
``linux_x86_64`` wheel from source when no compatible wheel exists, docs/architecture.md, "Platform facts"),
built for another machine, needing a newer glibc than the runtime's, or
linking a library that is neither bundled in the zip nor part of the base OS.
The worker layer (ops.worker_layer: PyAV under ``python/``) gets the same check.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ops import elf
from ops.package_smoke import smoke, smoke_layer

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Runtime:
    name: str
    abi: str
    machine: str
    glibc: tuple[int, int]


def target_runtime() -> Runtime:
    """The runtime chalice targets: the local Python's (3.11 -> python3.11 on Amazon Linux 2)."""
    major, minor = sys.version_info[:2]
    # glibc of the Lambda OS: Amazon Linux 2 up to python3.11, Amazon Linux 2023 after.
    glibc = (2, 26) if (major, minor) <= (3, 11) else (2, 34)
    return Runtime(f"python{major}.{minor}", f"cp{major}{minor}", "x86_64", glibc)


#: Distributions the Lambda Python runtime ships (boto3 and its closure).
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"})
#: Pillow extension modules the service never imports: AVIF (not an accepted type),
#: fonts, Tk, colour management. WebP stays: thumbnails are written as WebP.
UNUSED_NATIVE = ("PIL/_avif.", "PIL/_imagingft.", "PIL/_imagingtk.", "PIL/_imagingcms.")
#: Libraries every Lambda OS image has: glibc's own, the GCC runtime, zlib.
SYSTEM_LIBRARIES = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "librt.so.1",
        "libpthread.so.0",
        "libutil.so.1",
        "libresolv.so.2",
        "libnsl.so.1",
        "libcrypt.so.1",
        "ld-linux-x86-64.so.2",
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libz.so.1",
    }
)
_MACHINES = {"x86_64": elf.EM_X86_64, "aarch64": elf.EM_AARCH64}
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_NATIVE_NAME = re.compile(r"\.so(\.\d+)*$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions(names: list[str], read: dict[str, bytes]) -> dict[str, tuple[str, list[str]]]:
    """dist-info dir -> (canonical name, files listed in its RECORD)."""
    result = {}
    for name in names:
        if name.endswith(".dist-info/RECORD"):
            info_dir = name.rsplit("/", 1)[0]
            dist = canonical(PurePosixPath(info_dir).name.split("-")[0])
            files = [line.split(",")[0] for line in read[name].decode().splitlines() if line.strip()]
            result[info_dir] = (dist, files)
    return result


def _platform_ok(tag: str, runtime: Runtime) -> bool:
    _, abi, platform = tag.rsplit("-", 2)
    if abi not in (runtime.abi, "abi3", "none"):
        return False
    for plat in platform.split("."):
        legacy = re.fullmatch(r"(manylinux\d+)_(\w+)", plat)
        if legacy and legacy.group(1) in _LEGACY_MANYLINUX and legacy.group(2) == runtime.machine:
            return _LEGACY_MANYLINUX[legacy.group(1)] <= runtime.glibc
        perennial = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", plat)
        if perennial and perennial.group(3) == runtime.machine:
            return (int(perennial.group(1)), int(perennial.group(2))) <= runtime.glibc
    return False


def check(zip_path: Path, runtime: Runtime, site: str = "") -> list[str]:
    """Every reason the zip's native code would not load on ``runtime`` (empty: fine).

    ``site``: where the packages are inside the zip ("python/" in a layer, whose
    RECORDs list paths relative to it)."""
    problems: list[str] = []
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        meta = {n: archive.read(n) for n in names if n.endswith((".dist-info/RECORD", ".dist-info/WHEEL"))}
        owners = {}
        for info_dir, (_, files) in distributions(names, meta).items():
            owners.update({site + f: info_dir for f in files})
        bundled = {PurePosixPath(n).name for n in names}
        for name in names:
            data = archive.read(name) if _NATIVE_NAME.search(name) or name.endswith(".so") else b""
            if not data or not elf.is_elf(data):
                continue
            owner = owners.get(name)
            if owner is None:
                problems.append(f"{name}: not installed from any wheel (no RECORD lists it)")
                continue
            tags = [
                line.split(":", 1)[1].strip()
                for line in meta.get(f"{owner}/WHEEL", b"").decode().splitlines()
                if line.startswith("Tag:")
            ]
            if not any(_platform_ok(tag, runtime) for tag in tags):
                problems.append(
                    f"{name}: from a wheel tagged {', '.join(tags) or '(no tag)'}, not a manylinux wheel for "
                    f"{runtime.name} {runtime.machine} (glibc <= {runtime.glibc[0]}.{runtime.glibc[1]}): "
                    "built from source? pin a version with a compatible wheel"
                )
            try:
                info = elf.read(data)
            except elf.ElfError as exc:
                problems.append(f"{name}: unreadable ELF ({exc})")
                continue
            if info.machine != _MACHINES[runtime.machine]:
                problems.append(f"{name}: built for ELF machine {info.machine}, not {runtime.machine}")
            if info.glibc > runtime.glibc:
                problems.append(
                    f"{name}: needs glibc {info.glibc[0]}.{info.glibc[1]}, "
                    f"{runtime.name} has {runtime.glibc[0]}.{runtime.glibc[1]}"
                )
            for lib in info.needed:
                if lib not in SYSTEM_LIBRARIES and lib not in bundled:
                    problems.append(f"{name}: links {lib}, which is neither bundled nor on Lambda")
    return problems


def slim(zip_path: Path) -> tuple[int, int]:
    """Rewrite the zip without runtime-provided distributions and unused native code.

    Returns (size before, size after) in bytes.
    """
    before = zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        meta = {n: archive.read(n) for n in names if n.endswith(".dist-info/RECORD")}
        drop: set[str] = set()
        for info_dir, (dist, files) in distributions(names, meta).items():
            if dist in RUNTIME_PROVIDED:
                drop.update(files)
                drop.update(n for n in names if n.startswith(info_dir + "/"))
                data_dir = info_dir[: -len(".dist-info")] + ".data/"
                drop.update(n for n in names if n.startswith(data_dir))
        drop.update(n for n in names if n.startswith(UNUSED_NATIVE))
        drop.update(_unreferenced_libraries(archive, [n for n in names if n not in drop]))
        tmp = zip_path.with_suffix(".slim.zip")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
            for info in archive.infolist():
                if info.filename not in drop:
                    out.writestr(info, archive.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, zip_path)
    return before, zip_path.stat().st_size


def _unreferenced_libraries(archive: zipfile.ZipFile, kept: list[str]) -> set[str]:
    """Bundled libraries (``*.libs/``) no kept extension module reaches through DT_NEEDED."""
    libs = {PurePosixPath(n).name: n for n in kept if ".libs/" in n}
    reached: set[str] = set()
    pending = [n for n in kept if ".libs/" not in n and n.endswith(".so")]
    while pending:
        data = archive.read(pending.pop())
        if not elf.is_elf(data):
            continue
        for lib in elf.read(data).needed:
            if lib in libs and lib not in reached:
                reached.add(lib)
                pending.append(libs[lib])
    return {path for name, path in libs.items() if name not in reached}


def unpacked_bytes(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as archive:
        return sum(info.file_size for info in archive.infolist())


def _report(zip_path: Path, runtime: Runtime, site: str) -> bool:
    problems = check(zip_path, runtime, site)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if problems:
        print(f"{zip_path}: {len(problems)} native files will not load on {runtime.name}.", file=sys.stderr)
        return False
    print(f"{zip_path}: native code targets {runtime.name} {runtime.machine} (glibc <= {runtime.glibc})")
    return True


def _can_smoke(runtime: Runtime) -> bool:
    return sys.platform == "linux" and os.uname().machine == runtime.machine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zip", type=Path, nargs="?", help="the deployment zip (dist/deployment.zip)")
    parser.add_argument("--layer", type=Path, help="the worker layer zip (dist/worker-layer.zip) to check too")
    parser.add_argument("--check-only", action="store_true", help="neither slim nor run the smoke import")
    args = parser.parse_args(argv)
    runtime = target_runtime()
    if args.zip is None and args.layer is None:
        parser.error("name the deployment zip, the layer (--layer), or both")
    ok = True
    if args.zip is not None:
        if not args.check_only:
            before, after = slim(args.zip)
            dropped = "runtime-provided packages and unused native code dropped"
            print(f"{args.zip}: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB ({dropped})")
        print(f"api_package_bytes={args.zip.stat().st_size} (unpacked {unpacked_bytes(args.zip)})")
        ok = _report(args.zip, runtime, "")
        if ok and not args.check_only and _can_smoke(runtime):
            print(smoke(args.zip))
    if args.layer is not None:
        size, unpacked = args.layer.stat().st_size, unpacked_bytes(args.layer)
        print(f"worker_layer_bytes={size} (unpacked {unpacked}; Lambda: function + layers <= 262144000 unpacked)")
        layer_ok = _report(args.layer, runtime, "python/")
        if layer_ok and _can_smoke(runtime):  # cheap: no slimming to skip
            print(smoke_layer(args.layer))
        ok = ok and layer_ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
