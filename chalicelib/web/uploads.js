// Uploads straight to storage through upload sessions (docs/architecture.md, "Uploads"): start a session,
// send the bytes with its presigned form (XMLHttpRequest, for progress), then complete it.
// Three at a time; each file has its progress, speed, cancel and retry.
import { retryable } from "./api.js";
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

/** What the API would answer for this file, checked before any request (the the account's limits). */
export function precheck(file, account, inFlight) {
  const { limits } = account;
  const extension = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  const allowed = [...limits.extensions.image, ...limits.extensions.video];
  if (!allowed.includes(extension)) return `The file field must be a file of type: ${allowed.join(", ")}.`;
  if (file.size < 1) return "The file_size field must be at least 1.";
  if (file.size > limits.max_file_size) {
    return `The file_size field must not be greater than ${limits.max_file_size} bytes.`;
  }
  if (account.remaining !== null && inFlight >= account.remaining) {
    const used = account.media_limit - account.remaining + inFlight;
    return `Your plan allows ${account.media_limit} media files and ${used} are in use. Delete a file or upgrade the plan to upload more.`;
  }
  return "";
}

export class Uploads {
  constructor({ api, section, list, summary, clear, account, onUploaded }) {
    Object.assign(this, { api, section, list, summary, account, onUploaded });
    this.items = [];
    clear.addEventListener("click", () => this.clearFinished());
  }

  add(files) {
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
      this.fail(item, error.message, false);
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
    this.list.replaceChildren();
    this.section.hidden = true;
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
      bar.hidden = item.state === "failed" && item.final; // refused before it started
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
    this.summary.textContent = `${done} of ${this.items.length} uploaded${active ? `, ${active} in progress` : ""}`;
  }
}
