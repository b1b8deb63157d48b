// The grid: newest first, type tabs, debounced search, infinite scroll on cursors.
import { ApiError } from "./api.js";
import { card, update } from "./cards.js";
import { sleep } from "./dom.js";

const SEARCH_DELAY_MS = 300;
/** Thumbnails are made a few seconds after an upload: look again this often, then give up. */
const THUMBNAIL_WAITS_MS = [1500, 2500, 4000, 6000, 10000, 15000];
/** Files older than this without a thumbnail are not waited for (the reconciler makes it later). */
const RECENT_MS = 2 * 60 * 1000;

export class Library {
  constructor({ api, feed, status, more, tabs, search, perPage, actions }) {
    Object.assign(this, { api, feed, status, more, tabs, search, perPage, actions });
    this.type = "";
    this.query = "";
    this.next = null; // the next page's cursor; null: no more
    this.loading = false;
    this.generation = 0;
    this.controller = null;
    this.cards = new Map();
    this.watching = new Set();
    this.bindTabs();
    this.bindSearch();
    more.addEventListener("click", () => this.loadMore());
    this.sentinel = more.parentElement;
    if ("IntersectionObserver" in window) {
      new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) this.loadMore();
      }, { rootMargin: "600px" }).observe(this.sentinel);
    }
  }

  /** Mark `tab` as the chosen one (aria-selected, the one tab stop, the feed's name). */
  showTab(tab) {
    for (const other of this.tabs.querySelectorAll('[role="tab"]')) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
    }
    this.feed.setAttribute("aria-labelledby", tab.id);
  }

  /** Back to All and no search, without loading anything (sign-out: there is no key to load with). */
  resetFilters() {
    this.type = "";
    this.query = "";
    this.showTab(this.tabs.querySelector('[role="tab"][data-type=""]'));
  }

  bindTabs() {
    const tabs = [...this.tabs.querySelectorAll('[role="tab"]')];
    const select = (tab) => {
      this.showTab(tab);
      if (this.type !== tab.dataset.type) {
        this.type = tab.dataset.type;
        this.reload();
      }
    };
    for (const tab of tabs) tab.addEventListener("click", () => select(tab));
    // Arrow keys move between the tabs (WAI-ARIA tabs pattern, automatic activation).
    this.tabs.addEventListener("keydown", (event) => {
      const index = tabs.indexOf(document.activeElement);
      if (index < 0) return;
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const tab = tabs[(moves[event.key] + tabs.length) % tabs.length];
      tab.focus();
      select(tab);
    });
  }

  bindSearch() {
    let timer = 0;
    this.search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const query = this.search.value.trim();
        if (query !== this.query) {
          this.query = query;
          this.reload();
        }
      }, SEARCH_DELAY_MS);
    });
  }

  clear() {
    this.generation += 1;
    if (this.controller) this.controller.abort();
    this.feed.replaceChildren();
    this.cards.clear();
    this.next = null;
    this.more.hidden = true;
    this.loading = false;
    this.setStatus("");
  }

  /** Start again from the first page (a new tab, a new search, a sign-in). */
  reload() {
    this.clear();
    return this.load("");
  }

  loadMore() {
    if (this.next && !this.loading) return this.load(this.next);
    return undefined;
  }

  setStatus(text, kind = "") {
    this.status.dataset.kind = kind;
    this.status.replaceChildren(text);
    if (kind === "error") {
      const retry = document.createElement("button");
      retry.type = "button";
      retry.textContent = "Try again";
      retry.addEventListener("click", () => (this.next !== null ? this.load(this.next) : this.reload()));
      this.status.append(" ", retry);
    }
  }

  async load(cursor) {
    const generation = this.generation;
    this.loading = true;
    this.controller = new AbortController();
    this.feed.setAttribute("aria-busy", "true");
    this.setStatus(cursor ? "Loading more files…" : "Loading files…", "loading");
    try {
      const page = await this.api.list(
        { type: this.type, search: this.query, cursor, perPage: this.perPage },
        this.controller.signal,
      );
      if (generation !== this.generation) return;
      for (const media of page.data) this.add(media, "end");
      this.next = page.meta.next_cursor || null;
      this.more.hidden = !this.next;
      this.showEmptyOrNothing();
    } catch (error) {
      if (generation !== this.generation || error.name === "AbortError") return;
      if (error instanceof ApiError && error.status === 401) return; // signed out already
      this.next = cursor || null;
      this.setStatus(`The files could not be loaded: ${error.message}`, "error");
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.feed.setAttribute("aria-busy", "false");
      }
    }
    // A tall screen may show the end of the list at once: keep filling it.
    if (generation === this.generation && this.next && this.sentinelVisible()) this.loadMore();
  }

  sentinelVisible() {
    const box = this.sentinel.getBoundingClientRect();
    return box.height > 0 && box.top < window.innerHeight + 600; // no box: the library is not shown
  }

  showEmptyOrNothing() {
    if (this.cards.size) return this.setStatus("");
    if (this.query) return this.setStatus(`No files match “${this.query}”.`, "empty");
    const what = { image: "No images yet.", video: "No videos yet." }[this.type] || "No files yet.";
    return this.setStatus(`${what} Drop files anywhere on the page, or use Upload files.`, "empty");
  }

  /** Whether the current tab and search would list `media`. */
  matches(media) {
    if (this.type && media.file_type !== this.type) return false;
    const query = this.query.toLowerCase();
    return !query || media.name.toLowerCase().includes(query) || media.original_name.toLowerCase().includes(query);
  }

  add(media, where) {
    if (this.cards.has(media.id)) return;
    const node = card(media, this.actions);
    this.cards.set(media.id, node);
    if (where === "start") this.feed.prepend(node);
    else this.feed.append(node);
    const recent = Date.now() - Date.parse(media.created_at) < RECENT_MS;
    if (media.file_type === "image" && !media.thumbnail_url && (recent || where === "start")) {
      this.watchThumbnail(media.id);
    }
  }

  /** A file uploaded from this page: at the top, without a reload. */
  prepend(media) {
    if (!this.matches(media)) return;
    this.add(media, "start");
    this.showEmptyOrNothing();
  }

  replace(media) {
    const node = this.cards.get(media.id);
    if (node) update(node, media);
  }

  remove(id) {
    const node = this.cards.get(id);
    if (!node) return null;
    const next = node.nextElementSibling || node.previousElementSibling;
    node.remove();
    this.cards.delete(id);
    this.showEmptyOrNothing();
    return next;
  }

  /** Until its thumbnail exists, a card shows the original; ask again a few times. */
  async watchThumbnail(id) {
    if (this.watching.has(id)) return;
    this.watching.add(id);
    const generation = this.generation;
    try {
      for (const wait of THUMBNAIL_WAITS_MS) {
        await sleep(wait);
        if (generation !== this.generation || !this.cards.has(id)) return;
        const media = await this.api.get(id).catch(() => null);
        if (media && media.thumbnail_url) {
          this.replace(media);
          return;
        }
      }
    } finally {
      this.watching.delete(id);
    }
  }
}
