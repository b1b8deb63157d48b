"""``make screenshots``: docs/img/*.png, the page's main states at 1280 and 360 px wide.

Runs its own local stack with a small demo library (a phone's HEVC video among
them, so the channels show an original and a rendition), waits until the
derivatives worker has made every poster and rendition, drives Debian's
Chromium, and overwrites the images: sign-in, the grid (channel marks, tags,
posters), uploads in progress (the upload throttled through Chromium's network
emulation, so progress is caught mid-way) and the details panel (where each
channel's URL comes from, the description and tags).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.browser.harness import INSTALL_HINT, Running, Tenant, chromium_path, launch, running_stack
from tests.helpers.samples import big_mp4

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
WIDTHS = {1280: 800, 360: 740}
LIBRARY = [
    ("beach.jpg", "Summer campaign hero", ((255, 183, 77), (2, 136, 209)), False),
    ("store.png", "Store front", ((124, 179, 66), (0, 105, 92)), False),
    ("team.jpg", "Team offsite 2026", ((236, 64, 122), (94, 53, 177)), False),
    ("logo.png", "Brand logo", ((33, 33, 33), (97, 97, 97)), True),
    ("menu.jpg", "Autumn menu", ((255, 112, 67), (121, 85, 72)), False),
    ("night.png", "Night skyline", ((26, 35, 126), (0, 0, 0)), False),
]
#: The videos: (fixture, display name); the phone's HEVC MOV gets an H.264 rendition for WhatsApp.
VIDEOS = [("sample.mp4", "Launch teaser"), ("portrait-hevc.mov", "Store walkthrough (phone)")]
#: What some files are described as: name -> (description, tags).
DESCRIBED = {
    "Summer campaign hero": (
        "Sunset over the beach, the summer campaign's opening picture.",
        ["summer", "campaign", "beach", "hero", "2026"],
    ),
    "Store walkthrough (phone)": ("A walk through the store front, filmed upright on a phone.", ["store", "video"]),
    "Autumn menu": (None, ["menu", "autumn"]),
    "Brand logo": (None, ["brand"]),
}


def gradient(name: str, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 720))
    draw = ImageDraw.Draw(image)
    for y in range(720):
        mix = y / 719
        draw.line([(0, y), (960, y)], fill=tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    draw.ellipse((560, 120, 840, 400), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG" if name.endswith(".jpg") else "PNG", quality=85)
    return out.getvalue()


def seed(stack: Running) -> Tenant:
    """The demo library, described and tagged, once every poster and rendition is made."""
    from tests.browser.scene import api_put, settled
    from tests.helpers.media import fixture_bytes

    tenant = stack.tenant("Acme Studio", media_limit=500)
    files = [stack.seed(tenant, fixture, fixture_bytes(fixture), name) for fixture, name in VIDEOS]
    for filename, name, (top, bottom), admin in LIBRARY:
        files.append(stack.seed(tenant, filename, gradient(filename, top, bottom), name, admin=admin))
    for media in files:
        settled(stack, tenant, media["id"])
        if media["name"] in DESCRIBED:
            description, tags = DESCRIBED[media["name"]]
            api_put(stack, tenant, media["id"], {"description": description, "tags": tags})
    return tenant


def pictures_loaded(page: Any) -> None:
    """Every thumbnail and poster on screen has arrived (no fixed wait)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll("img")].every((img) => img.complete)
          && [...document.querySelectorAll(".preview video")].every((video) => video.poster)"""
    )
    page.evaluate("document.fonts.ready")


def shoot(browser: Any, stack: Running, tenant: Tenant, width: int, folder: Path) -> None:
    """Sign-in, the grid and the details panel."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{stack.url}/")
    page.get_by_label("API key").fill(tenant.api_key[:20])
    page.screenshot(path=OUT / f"sign-in-{width}.png")
    page.get_by_label("API key").fill(tenant.api_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("article")).to_have_count(len(LIBRARY) + len(VIDEOS))
    page.locator("body").click(position={"x": 1, "y": 1})  # no focus ring on the search box
    pictures_loaded(page)
    page.screenshot(path=OUT / f"grid-{width}.png")

    name = "Store walkthrough (phone)"
    page.get_by_role("article", name=name).get_by_role("button", name="Details").click()
    panel = page.get_by_role("dialog", name=name)
    expect(panel.get_by_role("button", name="Save")).to_be_enabled()
    pictures_loaded(page)
    panel.get_by_role("heading", name="Where it can be sent").evaluate("node => node.scrollIntoView()")
    page.screenshot(path=OUT / f"details-{width}.png")
    context.close()


def shoot_uploads(browser: Any, stack: Running, tenant: Tenant, width: int, folder: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{stack.url}/")
    page.get_by_label("API key").fill(tenant.api_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("article").first).to_be_visible()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 4 * 1024 * 1024},
    )
    files = [folder / "product-demo.mp4", folder / "banner.png", folder / "poster.jpg", folder / "notes.txt"]
    files[0].write_bytes(big_mp4(24 * 1024 * 1024))
    files[1].write_bytes(gradient("banner.png", (0, 150, 136), (0, 77, 64)))
    files[2].write_bytes(big_mp4(6 * 1024 * 1024))  # refused at complete: not a JPEG
    files[3].write_bytes(b"not a picture")
    page.get_by_label("Upload files").set_input_files([str(f) for f in files])
    expect(page.locator("#upload-list li").first).to_contain_text("MB/s", timeout=20_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=OUT / f"uploads-{width}.png")
    context.close()


def main() -> int:
    executable = chromium_path()
    if executable is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data, running_stack(Path(data) / "stack") as stack:
        tenant = seed(stack)
        with sync_playwright() as playwright:
            browser = launch(playwright, executable)
            for width in WIDTHS:
                shoot(browser, stack, tenant, width, Path(data))
            for width in WIDTHS:
                shoot_uploads(browser, stack, tenant, width, Path(data))
            browser.close()
    for image in sorted(OUT.glob("*.png")):
        print(f"{image.relative_to(OUT.parents[1])}: {image.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
