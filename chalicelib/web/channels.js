// Where each file can be sent (docs/architecture.md, "Delivery"): the marks on a card, the list in its details.
import { el, ICONS, icon } from "./dom.js";
import { bytes, dimensions, duration } from "./format.js";

/** The API's channels, in its order: [key, name people read, the mark's short label]. */
export const CHANNELS = [
  ["whatsapp", "WhatsApp", "WA"],
  ["messenger", "Messenger", "MS"],
  ["instagram", "Instagram", "IG"],
  ["telegram", "Telegram", "TG"],
  ["web", "Web", "WEB"],
];

export function channelName(key) {
  const found = CHANNELS.find(([name]) => name === key);
  return found ? found[1] : key;
}

/** What a channel gets, whatever the API left out (an older answer without `delivery`). */
function route(media, key) {
  const channels = (media.delivery && media.delivery.channels) || {};
  return channels[key] || { url: null, source: null, reason: "Not known yet." };
}

export function deliveryStatus(media) {
  return (media.delivery && media.delivery.status) || "ready";
}

/** "Ready for WhatsApp" or "Not ready for WhatsApp: <why>": a mark's name, never colour alone. */
export function readiness(media, key) {
  const { url, reason } = route(media, key);
  return url ? `Ready for ${channelName(key)}` : `Not ready for ${channelName(key)}: ${reason || "no reason given."}`;
}

/** The state a person must know about: being prepared, or preparing failed (nothing when ready). */
export function deliveryState(media) {
  const status = deliveryStatus(media);
  if (status === "processing") {
    const spinner = el("span", { class: "spinner", "aria-hidden": "true" });
    return el("p", { class: "delivery-state processing" }, spinner, "Preparing…");
  }
  if (status === "failed") {
    return el("p", { class: "delivery-state failed" }, icon(...ICONS.alert), "Preparing failed");
  }
  return null;
}

/** One compact mark per channel, each an image named by its readiness (and showing it as a tooltip);
 * its style (filled, or struck through) shows it too. */
export function channelMarks(media) {
  const marks = CHANNELS.map(([key, , short]) => {
    const ready = Boolean(route(media, key).url);
    const name = readiness(media, key);
    return el(
      "li",
      {},
      el("span", {
        role: "img",
        "aria-label": name,
        title: name,
        class: `mark ${ready ? "ready" : "not-ready"}`,
        dataset: { channel: key },
        text: short,
      }),
    );
  });
  return el("div", { class: "delivery" }, deliveryState(media), el("ul", { class: "marks", "aria-label": "Channels" }, marks));
}

/** "MP4 (video/mp4) · 1.2 MB · 720 × 1280 · 0:21": the rendition in one line. */
export function renditionText(media) {
  const made = media.delivery && media.delivery.rendition;
  if (!made) {
    const status = deliveryStatus(media);
    if (status === "processing") return "Being made.";
    if (status === "failed") return "Making it failed; it will be tried again.";
    return "None: the original suits every channel that can take it.";
  }
  const meta = made.metadata || {};
  const kind = `${String(made.extension).toUpperCase()} (${made.mime_type})`;
  return [kind, bytes(made.file_size), dimensions(meta), duration(meta.duration)].filter(Boolean).join(" · ");
}

const SOURCES = { original: "The original", rendition: "The rendition" };

/** Per channel: its URL, which file it is, and a Copy button; or why there is none. */
export function channelList(media, copy) {
  return CHANNELS.map(([key, name]) => {
    const { url, source, reason } = route(media, key);
    const head = el("div", { class: "channel-head" }, icon(...(url ? ICONS.check : ICONS.cross)), el("strong", { text: name }));
    if (!url) {
      const why = el("p", { class: "channel-reason", text: reason || "" });
      return el("li", { class: "channel not-ready", dataset: { channel: key } }, head, why);
    }
    head.append(el("span", { class: "muted", text: SOURCES[source] || "" }));
    const copyButton = el("button", { type: "button", class: "copy-channel", "aria-label": `Copy ${name} URL`, text: "Copy" });
    copyButton.addEventListener("click", () => copy(url, name));
    return el(
      "li",
      { class: "channel ready", dataset: { channel: key } },
      head,
      el("div", { class: "channel-url" }, el("code", { text: url }), copyButton),
    );
  });
}
