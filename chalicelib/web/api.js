// The Media API, as any client uses it: X-Api-Key, JSON, Idempotency-Key on POSTs.
import { newKey, sleep } from "./dom.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The API answered ${status}.`);
    this.status = status;
    this.code = (body && body.code) || "";
    this.errors = (body && body.errors) || null;
  }
}

const NETWORK = { message: "The API could not be reached. Check the connection, then retry.", code: "network_error" };

/** Worth sending again with the same Idempotency-Key: no answer, a 5xx, or the first try still running. */
export function retryable(error) {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.code === "idempotency_in_progress");
}

export class Api {
  /** `root`: the URL the app answers under (the page's own, with the stage when deployed). */
  constructor(root) {
    this.root = root;
    this.key = "";
    this.onUnauthorized = () => {};
  }

  url(path) {
    return new URL(`api/v1${path}`, this.root).href;
  }

  async request(method, path, options = {}) {
    return (await this.exchange(method, path, options)).data;
  }

  /** The answer's JSON and headers (an ETag, say); an ApiError for anything but a 2xx. */
  async exchange(method, path, { body, headers = {}, signal } = {}) {
    const init = { method, signal, headers: { Accept: "application/json", "X-Api-Key": this.key, ...headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.url(path), init);
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, NETWORK);
    }
    const json = (response.headers.get("Content-Type") || "").includes("json");
    const data = response.status !== 204 && json ? await response.json().catch(() => null) : null;
    if (!response.ok) {
      const error = new ApiError(response.status, data);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    return { data, headers: response.headers };
  }

  /** A POST sent again, with the same key, while the answer is worth waiting for (docs/architecture.md, "Idempotent retries"). */
  async post(path, body, key = newKey(), attempts = 4) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.request("POST", path, { body, headers: { "Idempotency-Key": key } });
      } catch (error) {
        if (!retryable(error) || attempt >= attempts) throw error;
        await sleep(400 * 2 ** (attempt - 1));
      }
    }
  }

  account() {
    return this.request("GET", "/account");
  }

  list({ type = "", search = "", tag = "", channel = "", cursor = "", perPage = 100 }, signal) {
    const query = new URLSearchParams({ cursor, per_page: String(perPage) });
    for (const [name, value] of Object.entries({ type, search, tag, channel })) if (value) query.set(name, value);
    return this.request("GET", `/media?${query}`, { signal });
  }

  get(id) {
    return this.request("GET", `/media/${encodeURIComponent(id)}`);
  }

  /** The file and its ETag, for a change made on condition that nobody changed it since. */
  async getTagged(id) {
    const { data, headers } = await this.exchange("GET", `/media/${encodeURIComponent(id)}`);
    return { media: data, etag: headers.get("ETag") || "" };
  }

  /** Change any of name, description, tags; If-Match: the write fails with a 412 when the file moved on. */
  async describe(id, changes, etag) {
    const headers = etag ? { "If-Match": etag } : {};
    const answer = await this.exchange("PUT", `/media/${encodeURIComponent(id)}`, { body: changes, headers });
    return { media: answer.data, etag: answer.headers.get("ETag") || "" };
  }

  /** A short-lived link whose answer saves the file under its name (GET /media/{id}/download). */
  downloadLink(id) {
    return this.request("GET", `/media/${encodeURIComponent(id)}/download`);
  }

  rename(id, name) {
    return this.request("PUT", `/media/${encodeURIComponent(id)}`, { body: { name } });
  }

  remove(id) {
    return this.request("DELETE", `/media/${encodeURIComponent(id)}`);
  }

  startUpload(file, key) {
    return this.post("/media/uploads", { filename: file.name, file_size: file.size }, key);
  }

  completeUpload(id, key) {
    return this.post(`/media/uploads/${encodeURIComponent(id)}/complete`, undefined, key);
  }
}
