"""The deployment zip check: manylinux code for the Lambda runtime passes, anything
chalice would have built from source (or that needs more than Lambda has) fails."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ops.package_check import Runtime, check, main, slim
from tests.deploy.elf_samples import EM_AARCH64, shared_object, wheel_zip

PY311 = Runtime("python3.11", "cp311", "x86_64", (2, 26))
EXT = "PIL/_imaging.cpython-311-x86_64-linux-gnu.so"
JPEG = "pillow.libs/libjpeg-02b4d8cf.so.62.4.0"
MANYLINUX = "cp311-cp311-manylinux_2_17_x86_64"


def manylinux_extension() -> bytes:
    return shared_object({"libjpeg-02b4d8cf.so.62.4.0": ["LIBJPEG_6.2"], "libc.so.6": ["GLIBC_2.14", "GLIBC_2.2.5"]})


def write(tmp_path: Path, files: dict[str, bytes], dists: dict[str, tuple[str, list[str]]]) -> Path:
    path = tmp_path / "deployment.zip"
    path.write_bytes(wheel_zip(files, dists))
    return path


def test_manylinux_extension_with_its_bundled_library_passes(tmp_path: Path) -> None:
    files = {EXT: manylinux_extension(), JPEG: shared_object({"libc.so.6": ["GLIBC_2.2.5"]})}
    path = write(tmp_path, files, {"pillow-12.2.0": (MANYLINUX, [EXT, JPEG])})
    assert check(path, PY311) == []


def test_source_built_extension_fails(tmp_path: Path) -> None:
    """What chalice produces when no compatible wheel exists: a linux_x86_64 wheel built
    here, linking the build machine's libjpeg and glibc."""
    built = shared_object({"libjpeg.so.62": ["LIBJPEG_6.2"], "libc.so.6": ["GLIBC_2.34"]})
    path = write(tmp_path, {EXT: built}, {"pillow-12.3.0": ("cp311-cp311-linux_x86_64", [EXT])})
    problems = check(path, PY311)
    assert any("linux_x86_64" in p and "built from source" in p for p in problems)
    assert any("needs glibc 2.34" in p for p in problems)
    assert any("links libjpeg.so.62" in p for p in problems)


def test_wheel_for_a_newer_glibc_than_lambda_fails(tmp_path: Path) -> None:
    files = {EXT: shared_object({"libc.so.6": ["GLIBC_2.28"]})}
    path = write(tmp_path, files, {"pillow-12.3.0": ("cp311-cp311-manylinux_2_28_x86_64", [EXT])})
    problems = check(path, PY311)
    assert any("manylinux_2_28" in p for p in problems) and any("needs glibc 2.28" in p for p in problems)
    # The same wheel is fine on python3.12's Amazon Linux 2023 (glibc 2.34).
    files = {EXT.replace("311", "312"): shared_object({"libc.so.6": ["GLIBC_2.28"]})}
    path = write(tmp_path, files, {"pillow-12.3.0": ("cp312-cp312-manylinux_2_28_x86_64", list(files))})
    assert check(path, Runtime("python3.12", "cp312", "x86_64", (2, 34))) == []


def test_native_file_no_wheel_installed_fails(tmp_path: Path) -> None:
    path = write(tmp_path, {"vendor/fast.so": shared_object({"libc.so.6": []})}, {})
    assert check(path, PY311) == ["vendor/fast.so: not installed from any wheel (no RECORD lists it)"]


def test_extension_for_another_machine_fails(tmp_path: Path) -> None:
    files = {EXT: shared_object({"libc.so.6": ["GLIBC_2.17"]}, machine=EM_AARCH64)}
    path = write(tmp_path, files, {"pillow-12.2.0": ("cp311-cp311-manylinux_2_17_aarch64", [EXT])})
    problems = check(path, PY311)
    assert any("not a manylinux wheel" in p for p in problems)
    assert any("ELF machine 183" in p for p in problems)


def test_slim_drops_runtime_packages_and_unused_pillow_code(tmp_path: Path) -> None:
    avif = "PIL/_avif.cpython-311-x86_64-linux-gnu.so"
    libavif = "pillow.libs/libavif-0b1c2ae7.so.16.4.1"
    files = {
        EXT: manylinux_extension(),
        JPEG: shared_object({"libc.so.6": []}),
        avif: shared_object({"libavif-0b1c2ae7.so.16.4.1": []}),
        libavif: shared_object({"libc.so.6": []}),
        "PIL/Image.py": b"",
        "botocore/__init__.py": b"",
        "botocore/data/s3/service-2.json.gz": b"x" * 1000,
        "app.py": b"",
    }
    dists = {
        "pillow-12.2.0": (MANYLINUX, [EXT, JPEG, avif, libavif, "PIL/Image.py"]),
        "botocore-1.44.8": ("py3-none-any", ["botocore/__init__.py", "botocore/data/s3/service-2.json.gz"]),
    }
    path = write(tmp_path, files, dists)
    before, after = slim(path)
    names = set(zipfile.ZipFile(path).namelist())
    assert after < before
    assert {EXT, JPEG, "PIL/Image.py", "app.py", "pillow-12.2.0.dist-info/WHEEL"} <= names
    assert not names & {avif, libavif, "botocore/__init__.py", "botocore-1.44.8.dist-info/RECORD"}
    assert check(path, PY311) == []


AV_EXT = "av/codec/codec.cpython-311-x86_64-linux-gnu.so"
AVCODEC = "av.libs/libavcodec-5f3b2a1c.so.61.19.100"


def layer(tmp_path: Path, files: dict[str, bytes], owned: list[str], tag: str = MANYLINUX) -> Path:
    """A worker-layer-shaped zip: the packages under python/, RECORD paths relative to it."""
    inner = wheel_zip(files, {"av-14.2.0": (tag, owned)})
    path = tmp_path / "worker-layer.zip"
    with zipfile.ZipFile(io.BytesIO(inner)) as source, zipfile.ZipFile(path, "w") as out:
        for name in source.namelist():
            out.writestr(f"python/{name}", source.read(name))
    return path


def test_worker_layer_of_manylinux2014_pyav_passes(tmp_path: Path) -> None:
    files = {
        AV_EXT: shared_object({"libavcodec-5f3b2a1c.so.61.19.100": [], "libc.so.6": ["GLIBC_2.17"]}),
        AVCODEC: shared_object({"libm.so.6": ["GLIBC_2.2.5"], "libz.so.1": []}),
    }
    path = layer(tmp_path, files, list(files), "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64")
    assert check(path, PY311, "python/") == []
    # Read as a deployment zip (paths not under python/), nothing is owned by a wheel.
    assert all("not installed from any wheel" in p for p in check(path, PY311))


def test_worker_layer_needing_more_than_the_runtime_has_fails(tmp_path: Path) -> None:
    """av >= 15 (manylinux_2_28), a codec linking a library Lambda lacks, or aarch64 code."""
    files = {
        AV_EXT: shared_object({"libc.so.6": ["GLIBC_2.28"], "libX11.so.6": []}),
        AVCODEC: shared_object({"libc.so.6": ["GLIBC_2.17"]}, machine=EM_AARCH64),
    }
    path = layer(tmp_path, files, list(files), "cp311-cp311-manylinux_2_28_x86_64")
    problems = check(path, PY311, "python/")
    assert any(p.startswith(f"python/{AV_EXT}") and "manylinux_2_28" in p for p in problems)
    assert any("needs glibc 2.28" in p for p in problems)
    assert any("links libX11.so.6, which is neither bundled nor on Lambda" in p for p in problems)
    assert any(p.startswith(f"python/{AVCODEC}") and "ELF machine 183" in p for p in problems)


def test_package_check_prints_the_api_package_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {EXT: manylinux_extension(), JPEG: shared_object({"libc.so.6": ["GLIBC_2.2.5"]})}
    path = write(tmp_path, files, {"pillow-12.2.0": (MANYLINUX, [EXT, JPEG])})
    assert main([str(path), "--check-only"]) == 0
    assert f"api_package_bytes={path.stat().st_size}" in capsys.readouterr().out
