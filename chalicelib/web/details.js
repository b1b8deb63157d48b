// The details panel (every field of a file) and the delete confirmation: modal <dialog>s,
// so Esc closes them, focus stays inside, and it returns to what opened them.
import { preview } from "./cards.js";
import { channelList, deliveryState, renditionText } from "./channels.js";
import { DescribeForm } from "./describe.js";
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
    [media.file_type === "video" ? "Poster URL" : "Thumbnail URL", media.thumbnail_url || "not made yet"],
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

/** How many times each dialog has been opened (by `openModal`): which opening a close event ends. */
const openings = new WeakMap();

/**
 * Open `dialog` as a modal; focus goes back to what had it once it closes. Returns this opening's
 * number, for `afterClose`.
 */
function openModal(dialog) {
  const opener = document.activeElement;
  const opening = (openings.get(dialog) || 0) + 1;
  openings.set(dialog, opening);
  dialog.showModal();
  // By the time the close event comes the person may have moved on (the browser itself puts
  // focus back on the opener): only a focus that was lost (on the body, or still in the
  // dialog) goes back to the opener, and none while the dialog is open again.
  afterClose(dialog, opening, () => {
    const active = document.activeElement;
    const lost = !active || active === document.body || dialog.contains(active);
    if (!dialog.open && lost && opener && opener.isConnected) opener.focus();
  });
  return opening;
}

/**
 * `then()` once the `opening` of `dialog` has closed. A close event comes a task after the
 * closing: one that arrives when the dialog has been opened again already ends the opening
 * before, not the current one.
 */
function afterClose(dialog, opening, then) {
  const closed = () => {
    if (dialog.open && openings.get(dialog) === opening) return;
    dialog.removeEventListener("close", closed);
    then();
  };
  dialog.addEventListener("close", closed);
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

/**
 * Every field of one file, where it can be sent (a Copy button per channel), and its description
 * and tags to edit. It opens at once with what the card knows, then shows the file as it is now
 * (a GET, whose ETag the form saves against).
 */
export class Details {
  constructor(dialog, { api, onChange }) {
    this.dialog = dialog;
    this.api = api;
    this.media = null;
    this.serial = 0; // which opening an answer belongs to
    const $ = (id) => dialog.querySelector(`#${id}`);
    Object.assign(this, {
      title: $("details-title"),
      picture: $("details-preview"),
      fields: $("details-fields"),
      status: $("details-status"),
      open: $("details-open"),
      download: $("details-download"),
      delivery: $("details-delivery"),
      channels: $("details-channels"),
      rendition: $("details-rendition"),
      channelStatus: $("details-channels-status"),
    });
    this.changed = onChange; // the card shows what the panel learns
    this.form = new DescribeForm($("details-form"), {
      api,
      onChange: (media) => {
        this.render(media);
        onChange(media);
      },
    });
    $("details-close").addEventListener("click", () => dialog.close());
    $("details-copy").addEventListener("click", () => this.copy());
    this.download.addEventListener("click", () => this.save());
    // A click on the backdrop (outside the panel) closes it too.
    dialog.addEventListener("click", (event) => event.target === dialog && dialog.close());
    dialog.addEventListener("close", () => {
      if (dialog.open) return; // an earlier opening's close, after the panel was opened again
      this.picture.replaceChildren();
      this.media = null;
    });
  }

  show(media) {
    this.serial += 1;
    this.render(media);
    this.picture.replaceChildren(preview(media, { alt: media.name, lazy: false }));
    const video = this.picture.querySelector("video");
    if (video) video.controls = true;
    this.open.href = safeUrl(media.url);
    this.status.textContent = "";
    this.channelStatus.textContent = "";
    this.form.wait(media);
    openModal(this.dialog);
    this.fetch(this.serial, (fresh, etag) => this.form.load(fresh, etag));
  }

  /** The file as it is now, then `then(media, etag)`, unless the panel moved on meanwhile. */
  async fetch(serial, then) {
    try {
      const { media, etag } = await this.api.getTagged(this.media.id);
      if (serial !== this.serial || !this.media) return;
      this.render(media);
      this.changed(media);
      then(media, etag);
    } catch (error) {
      if (serial === this.serial && this.media) this.form.say(`The file could not be loaded: ${error.message}`, true);
    }
  }

  /** The card learnt something new about the shown file (its poster, its rendition): show it too. */
  notice(media) {
    if (!this.media || media.id !== this.media.id || !this.dialog.open) return;
    this.fetch(this.serial, (fresh, etag) => this.form.adopt(fresh, etag));
  }

  /** Everything but the picture and the form, from `media`. */
  render(media) {
    this.media = media;
    this.title.textContent = media.name;
    this.fields.replaceChildren(...rows(media).flatMap(([term, value]) => [el("dt", { text: term }), el("dd", { text: value })]));
    this.delivery.replaceChildren(deliveryState(media) || "");
    // A refreshed list must not drop the focus of someone working through it by keyboard.
    const active = this.channels.contains(document.activeElement) ? document.activeElement.closest("[data-channel]") : null;
    this.channels.replaceChildren(...channelList(media, (url, name) => this.copyChannel(url, name)));
    const again = active && this.channels.querySelector(`[data-channel="${active.dataset.channel}"] button`);
    if (again) again.focus();
    this.rendition.textContent = renditionText(media);
  }

  async copyChannel(url, name) {
    try {
      await copyText(url);
      this.channelStatus.textContent = `${name} URL copied`;
    } catch (error) {
      this.channelStatus.textContent = `Could not copy: ${error.message}`;
    }
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
  dialog.returnValue = "cancel";
  const opening = openModal(dialog);
  return new Promise((resolve) => {
    afterClose(dialog, opening, () => resolve(dialog.returnValue === "delete"));
  });
}
