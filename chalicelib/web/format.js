// How numbers read on the page (sizes as the API formats them: 1024-based, at most 2 decimals).

const UNITS = ["B", "KB", "MB", "GB"];

export function bytes(size) {
  let value = Number(size) || 0;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = (Math.round(value * 100) / 100).toFixed(2).replace(/\.?0+$/, "");
  return `${text} ${UNITS[unit]}`;
}

export function speed(bytesPerSecond) {
  return `${bytes(bytesPerSecond)}/s`;
}

/** 75.5 -> "1:16", 3725 -> "1:02:05". */
export function duration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "";
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

export function dimensions(metadata) {
  if (!metadata || !metadata.width || !metadata.height) return "";
  return `${metadata.width} × ${metadata.height}`;
}

export function kind(media) {
  return `${media.file_type === "video" ? "Video" : "Image"} · ${String(media.extension).toUpperCase()}`;
}

export function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** The facts a card shows under the name. */
export function facts(media) {
  const meta = media.metadata || {};
  return [kind(media), media.formatted_size, dimensions(meta), duration(meta.duration)].filter(Boolean);
}
