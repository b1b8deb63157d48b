"""``make vendor``: the page's third-party files, copied from pinned npm packages.

    .venv/bin/python -m ops.vendor            # download, check, copy into chalicelib/web/vendor/
    .venv/bin/python -m ops.vendor --check    # the committed files are what the pins give

Each package is fetched with ``npm pack`` (the registry's tarball, nothing
installed, no scripts run), its integrity compared with the pinned one, and the
listed files copied with the package's licence, then its ``patches`` applied
(each must match exactly once, or the run stops). ``SHA256SUMS`` records what
was copied; a test checks the committed files against it. To upgrade, change a
version and its integrity (``npm view NAME@VERSION dist.integrity``), then run
``make vendor`` and commit the result.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "chalicelib" / "web" / "vendor"
SUMS = VENDOR / "SHA256SUMS"


@dataclass(frozen=True)
class Patch:
    """One exact replacement in a copied file, and why the file cannot be used as published."""

    file: str  # name under vendor/
    old: str
    new: str
    why: str


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity (sha512, base64)
    files: dict[str, str]  # path in the package -> name under vendor/
    patches: tuple[Patch, ...] = ()


PACKAGES = (
    # Renders /docs. 2.x: its standalone bundle is half the size of 3.x's.
    Package(
        "redoc",
        "2.5.4",
        "sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==",
        {
            "bundles/redoc.standalone.js": "redoc.standalone.js",
            "bundles/redoc.standalone.js.LICENSE.txt": "redoc.standalone.js.LICENSE.txt",
            "LICENSE": "redoc.LICENSE.txt",
        },
        (
            Patch(
                "redoc.standalone.js",
                'e?n.createElement("img",{alt:"redocly logo",onError:()=>t(!1),'
                'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"}):null',
                "null",
                "the sidebar's footer loads its logo from a CDN on every visit: nothing may leave the origin",
            ),
        ),
    ),
)


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(package: Package, into: Path) -> Path:
    """The package's tarball, checked against the pinned integrity."""
    done = subprocess.run(
        ["npm", "pack", f"{package.name}@{package.version}", "--json", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"npm pack {package.name}@{package.version} failed:\n{done.stderr.strip()}")
    tarball = into / json.loads(done.stdout)[0]["filename"]
    found = _integrity(tarball.read_bytes())
    if found != package.integrity:
        raise SystemExit(f"{package.name}@{package.version}: integrity {found} is not the pinned one")
    return tarball


def copy(package: Package, tarball: Path) -> dict[str, str]:
    """Copy the package's listed files into vendor/; their SHA-256 by name."""
    sums: dict[str, str] = {}
    with tarfile.open(tarball) as archive:
        for inside, name in package.files.items():
            member = archive.extractfile(f"package/{inside}")
            if member is None:
                raise SystemExit(f"{package.name}: no file {inside} in the package")
            data = patched(package, name, member.read())
            (VENDOR / name).write_bytes(data)
            sums[name] = hashlib.sha256(data).hexdigest()
    return sums


def patched(package: Package, name: str, data: bytes) -> bytes:
    """``data`` with the package's patches of file ``name`` applied, each found exactly once."""
    for patch in package.patches:
        if patch.file != name:
            continue
        old = patch.old.encode()
        if data.count(old) != 1:
            raise SystemExit(f"{package.name}@{package.version}: the patch of {name} ({patch.why}) no longer applies")
        data = data.replace(old, patch.new.encode())
    return data


def sums_text(sums: dict[str, str]) -> str:
    pins = "".join(f"# {p.name}@{p.version} {p.integrity}\n" for p in PACKAGES)
    pins += "".join(f"# patched {patch.file}: {patch.why}\n" for p in PACKAGES for patch in p.patches)
    return pins + "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))


def read_sums() -> dict[str, str]:
    lines = [line for line in SUMS.read_text().splitlines() if line and not line.startswith("#")]
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def check() -> list[str]:
    """Problems with the committed vendor/ (empty when it is what the pins give)."""
    problems = []
    if not SUMS.exists():
        return [f"{SUMS.name} is missing: run make vendor"]
    recorded = read_sums()
    expected = {name for package in PACKAGES for name in package.files.values()}
    if set(recorded) != expected:
        problems.append(f"{SUMS.name} lists {sorted(recorded)}, the pins give {sorted(expected)}")
    for name, digest in recorded.items():
        path = VENDOR / name
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name} is not the file {SUMS.name} records")
    if sums_text(recorded) != SUMS.read_text():
        problems.append(f"{SUMS.name} was made from other pins: run make vendor")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the committed files")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        print("\n".join(problems) or "vendor/ matches the pins")
        return 1 if problems else 0
    VENDOR.mkdir(parents=True, exist_ok=True)
    sums: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for package in PACKAGES:
            sums.update(copy(package, fetch(package, Path(tmp))))
            print(f"{package.name}@{package.version}: {', '.join(package.files.values())}")
    SUMS.write_text(sums_text(sums))
    return 0


if __name__ == "__main__":
    sys.exit(main())
