// Uploads straight to storage through upload sessions (docs/architecture.md, "Uploads"): start a session,
// send the bytes with its presigned form (XMLHttpRequest, for progress), then complete it.
// Three at a time; each file has its progress, speed, cancel and retry.
import { ApiError, retryable } from "./api.js";
import { el, newKey } from "./dom.js";
import { bytes, speed } from "./format.js";

const CONCURRENCY = 3;
const ACTIVE = new Set(["waiting", "starting", "sending", "completing"]);
const LABELS = {
  waiting: "Waiting…",
  starting: "Starting…",
  completing: "Checking the file…",
  done: "Uploaded",
  cancelled: "Cancelled",
};
let serial = 0;

class StorageError extends Error {}

/** A size as the API words it (formatted_size: 1024-based, at most 2 decimals); bytes when both would read the same. */
function sizes(size, limit) {
  const [shown, most] = [bytes(size), bytes(limit)];
  return shown === most ? [`${size.toLocaleString("en")} bytes`, `${limit.toLocaleString("en")} bytes`] : [shown, most];
}

/** What the API would answer for this file, in its words, checked before any request (the account's limits). */
export function precheck(file, account, inFlight) {
  const { limits } = account;
  const extension = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  const allowed = [...limits.extensions.image, ...limits.extensions.video];
  const name = file.name.trim() || "The file";
  if (!allowed.includes(extension)) return `${name} is not an image or a video (${allowed.join(", ")}).`;
  if (file.size < 1) return `${name} is empty.`;
  if (file.size > limits.max_file_size) {
    const [shown, most] = sizes(file.size, limits.max_file_size);
    return `${name} is ${shown}; the limit is ${most}.`;
  }
  if (account.remaining !== null && inFlight >= account.remaining) {
    const used = account.media_limit - account.remaining + inFlight;
    return `Your plan allows ${account.media_limit} media files and ${used} are in use. Delete a file or upgrade the plan to upload more.`;
  }
  return "";
}

/** A refusal no retry can change: the file itself was refused (its type, size or content). */
export function final(error) {
  return error instanceof ApiError && (error.code === "validation_failed" || error.code === "payload_too_large");
}

export class Uploads {
  constructor({ api, section, list, summary, clear, toggle, account, onUploaded }) {
    Object.assign(this, { api, section, list, summary, toggle, account, onUploaded });
    this.items = [];
    this.collapsed = false;
    this.busy = false; // anything in flight at the last render
    clear.addEventListener("click", () => this.clearFinished());
    toggle.addEventListener("click", () => this.collapse(!this.collapsed));
  }

  /** Once everything has finished, the panel folds to its one-line summary (failures stay listed). */
  collapse(collapsed) {
    this.collapsed = collapsed;
    this.section.classList.toggle("collapsed", collapsed);
    this.toggle.setAttribute("aria-expanded", String(!collapsed));
    this.toggle.textContent = collapsed ? "Show uploads" : "Hide uploads";
  }

  add(files) {
    if (files.length) this.collapse(false);
    for (const file of files) {
      const item = { id: `upload-${(serial += 1)}`, file, state: "waiting", loaded: 0, samples: [] };
      this.fresh(item);
      item.node = this.row(item);
      this.list.append(item.node);
      this.items.push(item);
      this.check(item);
    }
    this.section.hidden = this.items.length === 0;
    this.pump();
  }

  /** A new attempt: new session, new Idempotency-Keys. */
  fresh(item) {
    Object.assign(item, { session: null, sent: false, startKey: newKey(), completeKey: newKey() });
  }

  inFlight(except) {
    return this.items.filter((i) => i !== except && ACTIVE.has(i.state)).length;
  }

  check(item) {
    const refusal = precheck(item.file, this.account(), this.inFlight(item));
    if (refusal) this.fail(item, refusal, !refusal.startsWith("Your plan"));
    return !refusal;
  }

  pump() {
    let running = this.items.filter((i) => ["starting", "sending", "completing"].includes(i.state)).length;
    for (const item of this.items) {
      if (running >= CONCURRENCY) break;
      if (item.state !== "waiting") continue;
      running += 1;
      this.run(item).finally(() => this.pump());
    }
    this.render();
  }

  async run(item) {
    try {
      this.set(item, "starting");
      if (!item.session) item.session = await this.api.startUpload(item.file, item.startKey);
      if (item.state === "cancelled") return;
      if (!item.sent) {
        this.set(item, "sending");
        await this.send(item);
        item.sent = true;
      }
      this.set(item, "completing");
      item.media = await this.api.completeUpload(item.session.id, item.completeKey);
      if (item.state === "cancelled") return; // signed out meanwhile
    } catch (error) {
      if (item.state === "cancelled") return;
      // No answer or a 5xx from complete: a retry resumes there. Anything else starts over.
      if (!(item.sent && retryable(error))) this.fresh(item);
      this.fail(item, error.message, final(error));
      return;
    }
    this.set(item, "done");
    this.onUploaded(item.media);
  }

  send(item) {
    const { upload } = item.session;
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      item.samples = [[performance.now(), 0]];
      xhr.upload.addEventListener("progress", (event) => this.progress(item, event.loaded, event.total));
      xhr.addEventListener("load", () => {
        item.xhr = null;
        if (xhr.status >= 200 && xhr.status < 300) {
          this.progress(item, item.file.size, item.file.size);
          resolve();
        } else {
          const detail = new DOMParser().parseFromString(xhr.responseText || "<x/>", "application/xml");
          const message = detail.querySelector("Message");
          const why = message ? `: ${message.textContent}` : "";
          reject(new StorageError(`Storage refused the file (HTTP ${xhr.status}${why}).`));
        }
      });
      xhr.addEventListener("error", () => {
        item.xhr = null;
        reject(new StorageError("The file could not be sent to storage. Check the connection, then retry."));
      });
      xhr.addEventListener("abort", () => {
        item.xhr = null;
        reject(new StorageError("Cancelled"));
      });
      xhr.open(upload.method, upload.url);
      if (upload.method === "PUT") {
        for (const [name, value] of Object.entries(upload.headers || {})) {
          if (name.toLowerCase() !== "content-length") xhr.setRequestHeader(name, value);
        }
        xhr.send(item.file);
        return;
      }
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
      form.append("file", item.file); // last: storage ignores fields after the file
      xhr.send(form);
    });
  }

  progress(item, loaded, total) {
    const now = performance.now();
    item.loaded = Math.min(loaded, total);
    item.samples.push([now, loaded]);
    while (item.samples.length > 2 && now - item.samples[0][0] > 3000) item.samples.shift();
    const [[t0, b0]] = item.samples;
    item.speed = now > t0 ? ((loaded - b0) * 1000) / (now - t0) : 0;
    this.render(item);
  }

  cancel(item) {
    if (!["waiting", "starting", "sending"].includes(item.state)) return;
    this.set(item, "cancelled");
    if (item.xhr) item.xhr.abort();
    this.fresh(item);
    this.pump();
  }

  retry(item) {
    item.error = "";
    item.loaded = 0;
    item.state = "retrying"; // not in flight while it checks the limits again
    if (this.check(item)) this.set(item, "waiting");
    this.pump();
  }

  dismiss(item) {
    if (ACTIVE.has(item.state)) return;
    item.node.remove();
    this.items = this.items.filter((i) => i !== item);
    this.section.hidden = this.items.length === 0;
    this.render();
  }

  clearFinished() {
    for (const item of [...this.items]) if (!ACTIVE.has(item.state)) this.dismiss(item);
  }

  /** Sign-out: stop everything and forget it. */
  reset() {
    for (const item of this.items) if (item.xhr) item.xhr.abort();
    for (const item of this.items) item.state = "cancelled";
    this.items = [];
    this.busy = false;
    this.list.replaceChildren();
    this.section.hidden = true;
    this.collapse(false);
  }

  set(item, state) {
    item.state = state;
    this.render(item);
  }

  fail(item, message, final) {
    item.error = message;
    item.final = final; // a refusal no retry can change (type, size)
    this.set(item, "failed");
  }

  row(item) {
    const nameId = `${item.id}-name`;
    const node = el("li", { class: "upload" });
    node.parts = {
      name: el("span", { id: nameId, class: "upload-name", text: item.file.name }),
      size: el("span", { class: "muted", text: bytes(item.file.size) }),
      bar: el("progress", { max: "100", value: "0", "aria-labelledby": nameId }),
      status: el("span", { class: "upload-status" }),
      cancel: el("button", { type: "button", text: "Cancel", onclick: () => this.cancel(item) }),
      retry: el("button", { type: "button", text: "Retry", onclick: () => this.retry(item) }),
      dismiss: el("button", { type: "button", class: "quiet", text: "Remove", onclick: () => this.dismiss(item) }),
    };
    const { name, size, bar, status, cancel, retry, dismiss } = node.parts;
    node.append(
      el("div", { class: "upload-head" }, name, size),
      bar,
      el("div", { class: "upload-foot" }, status, el("span", { class: "upload-actions" }, cancel, retry, dismiss)),
    );
    return node;
  }

  render(only) {
    for (const item of only ? [only] : this.items) {
      const { bar, status, cancel, retry, dismiss } = item.node.parts;
      const percent = item.file.size ? Math.floor((item.loaded / item.file.size) * 100) : 0;
      bar.value = item.state === "done" || item.state === "completing" ? 100 : percent;
      bar.hidden = item.state === "failed" && item.final && !item.loaded; // refused before a byte was sent
      bar.classList.toggle("error", item.state === "failed");
      item.node.dataset.final = String(item.state === "failed" && Boolean(item.final));
      item.node.dataset.state = item.state;
      if (item.state === "sending") {
        status.textContent = `${percent} % · ${bytes(item.loaded)} of ${bytes(item.file.size)} · ${speed(item.speed || 0)}`;
      } else {
        status.textContent = item.state === "failed" ? item.error : LABELS[item.state] || "";
      }
      status.classList.toggle("error", item.state === "failed");
      cancel.hidden = !["waiting", "starting", "sending"].includes(item.state);
      retry.hidden = !(item.state === "cancelled" || (item.state === "failed" && !item.final));
      dismiss.hidden = ACTIVE.has(item.state);
    }
    const done = this.items.filter((i) => i.state === "done").length;
    const active = this.items.filter((i) => ACTIVE.has(i.state)).length;
    const failed = this.items.filter((i) => i.state === "failed").length;
    const parts = [`${done} of ${this.items.length} uploaded`];
    if (active) parts.push(`${active} in progress`);
    if (failed) parts.push(`${failed} failed`);
    const cancelled = this.items.filter((i) => i.state === "cancelled").length;
    if (cancelled) parts.push(`${cancelled} cancelled`);
    this.summary.textContent = parts.join(", ");
    if (this.busy && !active && this.items.length) this.collapse(true);
    this.busy = active > 0;
  }
}
