"""`python -m bench`: run every stage, print the table, write bench/results.json.

Exit status: 0 when every hard target is met (figures marked "report" or
"aim" never fail the run), 1 when one is missed, 2 when a stage broke.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.harness import RESULT_MARK, ROOT

RESULTS = ROOT / "bench" / "results.json"
STAGES = (
    ("imports", "import time, API module vs framework floor"),
    ("calls", "AWS calls per request"),
    ("ingest", "ingest: bytes read, peak memory"),
    ("thumbnails", "thumbnails: time, bytes read, peak memory"),
    ("listing", "list in a 10,000-file library"),
    ("mcp", "MCP tools: a search in 10,000 files, imports"),
    ("upload", "50 MB presigned upload on the local stack"),
    ("client", "Python client: 50 MB upload, speed and memory"),
    ("page", "media library page in headless Chromium"),
    ("renditions", "video renditions: 30 s of 1080p, and a 1080p HEVC poster"),
)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    limit: float | None = None
    kind: str = "hard"  # hard: fails the run | aim: shown, never fails | report: no target
    digits: int = 0  # decimals shown
    at_least: bool = False  # the target is a floor (value >= limit), not a ceiling

    def verdict(self, value: float) -> str:
        if self.limit is None:
            return ""
        met = value >= self.limit if self.at_least else value <= self.limit
        if self.kind == "aim":
            return "ok (aim)" if met else "over (aim)"
        return "PASS" if met else "MISS"


ROWS = (
    Row("import_ms_api", "import app, CPU ms (median of 11)", kind="report", digits=1),
    Row("import_ms_floor", "import chalice, boto3, pynamodb, CPU ms", kind="report", digits=1),
    Row("import_ratio", "  ratio API / floor", 1.15, digits=3),
    Row("import_ms_api_from_source", "import app without its bytecode, CPU ms", kind="report", digits=1),
    Row("calls_list", "AWS calls: GET /media (page of 25)", 2),
    Row("calls_get", "AWS calls: GET /media/{id}", 1),
    Row("calls_rename", "AWS calls: PUT /media/{id}", 1),
    Row("calls_delete", "AWS calls: DELETE /media/{id}", 4),
    Row("calls_start_upload", "AWS calls: POST /media/uploads", 2),
    Row("calls_account", "AWS calls: GET /account", 1),
    Row("calls_idempotent_replay", "AWS calls: a POST replayed by its Idempotency-Key", 2),
    Row("calls_account_first_use", "  GET /account, key unused for 5 min", 3),
    Row("calls_account_key_cache_cold", "  GET /account, key cache cold", 2),
    Row("ingest_bytes_read_jpeg_5mb", "ingest bytes read: 5 MB JPEG", 262_144),
    Row("ingest_bytes_read_jpeg_600k_xmp", "ingest bytes read: 5 MB JPEG + 600 KB XMP", 262_144),
    Row("ingest_bytes_read_mp4_50mb", "ingest bytes read: 50 MB MP4, moov at end", 2 * 1024 * 1024),
    Row("ingest_bytes_read_webm_50mb", "ingest bytes read: 50 MB WebM, 200 clusters", kind="report"),
    Row("ingest_reads_webm_50mb", "  its ranged GETs (bounded)", 100),
    Row("ingest_bytes_read_webm_50mb_streamed", "ingest bytes read: 50 MB WebM, streamed", kind="report"),
    Row("ingest_reads_webm_50mb_streamed", "  its ranged GETs (bounded)", 100),
    Row("ingest_bytes_read_avi_50mb", "ingest bytes read: 50 MB AVI", kind="report"),
    Row("ingest_reads_avi_50mb", "  its ranged GETs", kind="report"),
    Row("ingest_peak_rss_mb_mp4_50mb", "ingest peak memory growth, 50 MB MP4 (MB)", 100, digits=1),
    Row("ingest_peak_rss_mb_webm_50mb_streamed", "  same, 50 MB streamed WebM (MB)", 100, digits=1),
    Row("thumbnail_ms_5mb_jpeg", "thumbnail of a 5 MB JPEG, ms (median of 3)", kind="report", digits=1),
    Row("thumbnail_bytes_read_5mb_jpeg", "  bytes it reads from storage", 5_138_834),
    Row("thumbnail_peak_rss_mb_40mpx_png", "thumbnail peak memory growth, 40 Mpx PNG (MB)", 300, digits=1),
    Row("thumbnail_peak_rss_mb_40mpx_png_grey16", "  same, crafted 16-bit grey PNG (MB)", 300, digits=1),
    Row("thumbnail_peak_rss_mb_40mpx_png_palette_alpha", "  same, crafted palette + tRNS PNG (MB)", 300, digits=1),
    Row("worker_peak_rss_mb_40mpx_png", "worker's whole job, drawn 40 Mpx PNG (MB)", 1024, digits=1),
    Row("worker_peak_rss_mb_40mpx_png_grey16", "  same, crafted 16-bit grey PNG (MB)", 1024, digits=1),
    Row("worker_peak_rss_mb_40mpx_png_palette_alpha", "  same, crafted palette + tRNS PNG (MB)", 1024, digits=1),
    Row("list_p50_ms", "list page of 25 of 10,000, p50 ms", kind="report", digits=1),
    Row("list_raw_p50_ms", "  its bare DynamoDB reads, p50 ms", kind="report", digits=1),
    Row("list_overhead_ratio", "  ratio API / bare reads", 1.5, kind="aim", digits=2),
    Row("page_deep_reads", "DynamoDB items read: ?page=400", kind="report"),
    Row("mcp_search_ms_10000_files", "MCP search_media in 10,000 files, p50 ms", kind="report", digits=1),
    Row("mcp_search_overhead_ratio", "  ratio MCP / the same search use case, direct", 1.5, kind="aim", digits=2),
    Row("calls_mcp_search", "AWS calls: MCP search_media (10,000 files)", kind="report"),
    Row("calls_mcp_get", "AWS calls: MCP get_media", 1),
    Row("import_ms_mcp_endpoint", "import of the MCP endpoint on first /mcp, CPU ms", kind="report", digits=1),
    Row("cursor_deep_reads", "DynamoDB items read: same page by cursor", kind="report"),
    Row("upload_mb_s_local", "50 MB session upload, MB/s (median of 5)", kind="report", digits=1),
    Row("upload_raw_mb_s_local", "  raw presigned POST, same storage, MB/s", kind="report", digits=1),
    Row("client_upload_ratio", "client 50 MB to storage / raw POST, MB/s", 0.9, digits=2, at_least=True),
    Row("client_post_mb_s", "  client, streamed from disk, MB/s", kind="report", digits=1),
    Row("client_raw_post_mb_s", "  raw presigned POST, bytes in memory, MB/s", kind="report", digits=1),
    Row("client_flow_ratio", "client upload() / same 3 calls by hand", 0.9, digits=2, at_least=True),
    Row("client_flow_mb_s", "  client upload(): start, POST, complete, MB/s", kind="report", digits=1),
    Row("client_by_hand_flow_mb_s", "  by hand, bytes in memory, MB/s", kind="report", digits=1),
    Row("client_upload_peak_rss_mb_50mb", "client peak memory growth, 50 MB upload (MB)", 60, digits=1),
    Row("page_first_render_ms_100_files", "page: navigation to 100 cards, ms (median 5)", 1500, kind="aim"),
    Row("page_bytes_excluding_media", "page: bytes sent, media excluded (400 KB)", 409_600),
    Row("rendition_speed_ratio_1080p", "30 s 1080p -> rendition: s of video per s", 1.0, digits=2, at_least=True),
    Row("rendition_bytes_1080p", "  its size, bytes (16 MB)", 16_000_000),
    Row("rendition_peak_rss_mb_1080p", "  peak memory growth (MB)", 1024, digits=1),
    Row("poster_ms_hevc_1080p", "poster of a 1080p HEVC video, ms (median of 5)", kind="report", digits=1),
)


def run_stage(name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-25:])
        raise RuntimeError(f"stage {name!r} failed (exit {done.returncode}):\n{tail}")
    return dict(json.loads(lines[-1][len(RESULT_MARK) :]))


def _limit(row: Row) -> str:
    if row.limit is None:
        return "report"
    return f"{'>=' if row.at_least else '<='} {row.limit:,.{0 if float(row.limit).is_integer() else 2}f}"


def table(figures: dict[str, Any]) -> str:
    lines = [f"{'figure':<46} {'value':>12}   {'target':<12} verdict", "-" * 84]
    for row in ROWS:
        value = figures[row.key]
        lines.append(f"{row.label:<46} {value:>12,.{row.digits}f}   {_limit(row):<12} {row.verdict(value)}".rstrip())
    return "\n".join(lines)


def notes(figures: dict[str, Any]) -> str:
    calls = figures["_detail"]
    out = ["", "calls per request (warm key cache, but for the account_ ones):"]
    out += [f"  {name:<22} {', '.join(f'{op} x{n}' for op, n in ops.items())}" for name, ops in calls.items()]
    for label, name in (
        ("jpeg_5mb", "JPEG"),
        ("jpeg_600k_xmp", "JPEG + XMP"),
        ("mp4_50mb", "MP4"),
        ("webm_50mb", "WebM"),
        ("webm_50mb_streamed", "streamed WebM"),
        ("avi_50mb", "AVI"),
    ):
        out.append(
            f"ingest {name} of {figures[f'_file_bytes_{label}']:,} bytes: "
            f"{figures[f'_ranged_gets_{label}']} ranged GETs, metadata {figures[f'_metadata_{label}']}"
        )
    out.append(f"ingest MP4: Python allocation peak {figures['_python_peak_mb_mp4_50mb']} MB")
    out.append(f"client 50 MB upload: Python allocation peak {figures['_client_python_peak_mb_50mb']} MB")
    out.append(
        f"page: {figures['_page_requests']} requests to the API's origin; "
        f"first render runs {figures['_page_render_runs_ms']} ms"
    )
    out.append(
        f"rendition of a {figures['_rendition_source_bytes_1080p']:,}-byte 1080p: {figures['_rendition_plan_1080p']}, "
        f"{figures['_rendition_cpu_s_1080p']} s of CPU, wall {figures['_rendition_wall_s_1080p']} s, "
        f"luma PSNR {figures['_rendition_psnr_db_1080p']} dB; load average then {figures['_load_average']}"
    )
    out.append("every ratio: the median of the ratios of 5+ pairs, each pair measured back to back")
    out.append(
        f"MCP search_media: {figures['_mcp_search_items_read']:,} DynamoDB items read; importing the SDK's "
        f"types (mcp_types) instead would cost {figures['_import_ms_mcp_types']} ms"
    )
    heavy = figures["_heavy_modules_imported"]
    out.append(f"modules the API must not import, imported: {', '.join(heavy) if heavy else 'none'}")
    out.append(
        f"import wall-clock medians: API {figures['_import_wall_ms_api']} ms, "
        f"floor {figures['_import_wall_ms_floor']} ms"
    )
    return "\n".join(out)


def main() -> int:
    started = time.monotonic()
    figures: dict[str, Any] = {}
    for index, (name, title) in enumerate(STAGES, 1):
        print(f"[{index}/{len(STAGES)}] {title} ...", end=" ", flush=True)
        stage_started = time.monotonic()
        try:
            figures.update(run_stage(name))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print("failed", flush=True)
            print(exc, file=sys.stderr)
            return 2
        print(f"{time.monotonic() - stage_started:.1f} s", flush=True)
    results = {row.key: figures[row.key] for row in ROWS}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(figures))
    print(notes(figures))
    missed = [row.key for row in ROWS if row.kind == "hard" and row.verdict(figures[row.key]) == "MISS"]
    print(f"\n{len(STAGES)} stages in {time.monotonic() - started:.0f} s; results in bench/results.json")
    if missed:
        print(f"MISSED: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
