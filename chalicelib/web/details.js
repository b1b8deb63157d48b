// The details panel (every field of a file) and the delete confirmation: modal <dialog>s,
// so Esc closes them, focus stays inside, and it returns to what opened them.
import { preview } from "./cards.js";
import { el, safeUrl } from "./dom.js";
import { dimensions, duration, when } from "./format.js";

function rows(media) {
  const meta = media.metadata || {};
  const known = new Set(["width", "height", "duration"]);
  const extra = Object.entries(meta).filter(([key]) => !known.has(key));
  return [
    ["Name", media.name],
    ["Original name", media.original_name],
    ["ID", String(media.id)],
    ["Type", `${media.file_type} (${media.mime_type})`],
    ["Extension", media.extension],
    ["Size", `${media.formatted_size} (${media.file_size.toLocaleString("en")} bytes)`],
    ["Dimensions", dimensions(meta) || "unknown"],
    ...(media.file_type === "video" ? [["Duration", duration(meta.duration) || "unknown"]] : []),
    ...extra.map(([key, value]) => [`Metadata: ${key}`, JSON.stringify(value)]),
    ["Uploaded by", media.uploaded_by === "admin" ? "admin (locked: cannot be deleted here)" : media.uploaded_by],
    ["Active", media.is_active ? "yes" : "no"],
    ["Created", when(media.created_at)],
    ["Updated", when(media.updated_at)],
    ["URL", media.url],
    ["Thumbnail URL", media.thumbnail_url || (media.file_type === "image" ? "not made yet" : "none (video)")],
  ];
}

/** Copy to the clipboard; the older selection-based copy where the Clipboard API is missing. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const field = el("textarea", { class: "visually-hidden", readonly: true });
  field.value = text;
  document.body.append(field);
  field.select();
  const copied = document.execCommand("copy");
  field.remove();
  if (!copied) throw new Error("The browser did not allow copying.");
}

function remember(dialog) {
  const opener = document.activeElement;
  // The close event comes a task after the dialog closed: by then the person may have
  // moved on (the browser itself puts focus back on the opener). Only a focus that
  // was lost (on the body, or still in the dialog) goes back to the opener.
  const refocus = () => {
    const active = document.activeElement;
    const lost = !active || active === document.body || dialog.contains(active);
    if (lost && opener && opener.isConnected) opener.focus();
  };
  dialog.addEventListener("close", refocus, { once: true });
}

/**
 * Save a file without leaving the page: a link's `download` attribute is ignored across origins
 * (storage is another origin), and following the public URL would unload the page and every upload
 * in flight. The API signs a short-lived link whose answer says "attachment" (chalicelib/downloads.py
 * weighs it against fetching into a Blob); following that link starts a download and nothing else.
 */
export async function download(api, media) {
  const link = await api.downloadLink(media.id);
  const anchor = el("a", { href: safeUrl(link.url), class: "visually-hidden" });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  return link;
}

export class Details {
  constructor(dialog, api) {
    this.dialog = dialog;
    this.api = api;
    this.media = null;
    const $ = (id) => dialog.querySelector(`#${id}`);
    Object.assign(this, {
      title: $("details-title"),
      picture: $("details-preview"),
      fields: $("details-fields"),
      status: $("details-status"),
      open: $("details-open"),
      download: $("details-download"),
    });
    $("details-close").addEventListener("click", () => dialog.close());
    $("details-copy").addEventListener("click", () => this.copy());
    this.download.addEventListener("click", () => this.save());
    // A click on the backdrop (outside the panel) closes it too.
    dialog.addEventListener("click", (event) => event.target === dialog && dialog.close());
    dialog.addEventListener("close", () => this.picture.replaceChildren());
  }

  show(media) {
    this.media = media;
    this.title.textContent = media.name;
    this.picture.replaceChildren(preview(media, { alt: media.name, lazy: false }));
    const video = this.picture.querySelector("video");
    if (video) video.controls = true;
    this.fields.replaceChildren(...rows(media).flatMap(([term, value]) => [el("dt", { text: term }), el("dd", { text: value })]));
    this.open.href = safeUrl(media.url);
    this.status.textContent = "";
    remember(this.dialog);
    this.dialog.showModal();
  }

  async save() {
    this.download.disabled = true;
    try {
      const link = await download(this.api, this.media);
      this.status.textContent = `Downloading ${link.filename}`;
    } catch (error) {
      this.status.textContent = `Could not download: ${error.message}`;
    } finally {
      this.download.disabled = false;
    }
  }

  async copy() {
    try {
      await copyText(this.media.url);
      this.status.textContent = "URL copied";
    } catch (error) {
      this.status.textContent = `Could not copy: ${error.message}`;
    }
  }
}

/** Ask before deleting; resolves true when the person confirmed. */
export function confirmDelete(dialog, media) {
  dialog.querySelector("#confirm-text").textContent =
    `“${media.name}” will be deleted and its URL will stop working. This cannot be undone.`;
  remember(dialog);
  dialog.returnValue = "cancel";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "delete"), { once: true });
  });
}
