// The grid: newest first, type tabs, a channel and a tag filter, debounced search, infinite scroll on cursors.
import { ApiError } from "./api.js";
import { card, update } from "./cards.js";
import { CHANNELS, channelName } from "./channels.js";
import { el } from "./dom.js";
import { Watcher } from "./watch.js";

const SEARCH_DELAY_MS = 300;
const AHEAD_PX = 600; // the next page loads this far before the end of the list is on screen

export class Library {
  /** `filters`: the channel select, the tag filter's line, its name and its clear button. */
  constructor({ api, feed, status, more, tabs, search, filters, perPage, actions, onReplace }) {
    Object.assign(this, { api, feed, status, more, tabs, search, filters, perPage, actions, onReplace });
    this.type = "";
    this.query = "";
    this.channel = "";
    this.tag = "";
    this.next = null; // the next page's cursor; null: no more
    this.loading = false;
    this.generation = 0;
    this.controller = null;
    this.cards = new Map();
    this.watcher = new Watcher({ api, shows: (id) => this.cards.has(id), onFresh: (media) => this.replace(media) });
    this.bindTabs();
    this.bindSearch();
    this.bindFilters();
    more.addEventListener("click", () => this.loadMore());
    this.sentinel = more.parentElement;
    if ("IntersectionObserver" in window) {
      // An entry may be delivered after the page it was measured before has been drawn (the
      // empty list's sentinel is on screen): the sentinel's place now decides, not the entry's.
      new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting) && this.sentinelVisible()) this.loadMore();
      }, { rootMargin: `${AHEAD_PX}px` }).observe(this.sentinel);
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

  /** Back to All and no search, channel or tag, without loading anything (sign-out: there is no key to load with). */
  resetFilters() {
    this.type = "";
    this.query = "";
    this.channel = "";
    this.filters.channel.value = "";
    this.showTag("");
    this.showTab(this.tabs.querySelector('[role="tab"][data-type=""]'));
  }

  bindFilters() {
    const { channel, clearTag } = this.filters;
    channel.append(...CHANNELS.map(([key, name]) => el("option", { value: key, text: name })));
    channel.addEventListener("change", () => {
      this.channel = channel.value;
      this.reload();
    });
    clearTag.addEventListener("click", () => {
      this.filterTag("");
      this.search.focus();
    });
  }

  showTag(tag) {
    this.tag = tag;
    this.filters.tagLine.hidden = !tag;
    this.filters.tagName.textContent = tag ? `“${tag}”` : "";
  }

  /** Only the files carrying `tag` ("" for all): a tag clicked on a card. */
  filterTag(tag) {
    if (tag === this.tag) return;
    this.showTag(tag);
    this.reload();
    if (tag) this.filters.clearTag.focus(); // the clicked tag's card is gone: focus stays on the filter
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
    this.watcher.stop();
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
        { type: this.type, search: this.query, tag: this.tag, channel: this.channel, cursor, perPage: this.perPage },
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
    return box.height > 0 && box.top < window.innerHeight + AHEAD_PX; // no box: the library is not shown
  }

  showEmptyOrNothing() {
    if (this.cards.size) return this.setStatus("");
    const filters = [
      this.query && `match “${this.query}”`,
      this.tag && `are tagged “${this.tag}”`,
      this.channel && `are ready for ${channelName(this.channel)}`,
    ].filter(Boolean);
    if (filters.length) {
      const last = filters.pop();
      return this.setStatus(`No files ${filters.length ? `${filters.join(", ")} and ${last}` : last}.`, "empty");
    }
    const what = { image: "No images yet.", video: "No videos yet." }[this.type] || "No files yet.";
    return this.setStatus(`${what} Drop files anywhere on the page, or use Upload files.`, "empty");
  }

  /** Whether the current tab, filters and search would list `media`. */
  matches(media) {
    if (this.type && media.file_type !== this.type) return false;
    if (this.tag && !(media.tags || []).includes(this.tag.toLowerCase())) return false;
    const channels = (media.delivery && media.delivery.channels) || {};
    if (this.channel && !(channels[this.channel] && channels[this.channel].url)) return false;
    const query = this.query.toLowerCase();
    return !query || media.name.toLowerCase().includes(query) || media.original_name.toLowerCase().includes(query);
  }

  add(media, where) {
    if (this.cards.has(media.id)) return;
    const node = card(media, this.actions);
    this.cards.set(media.id, node);
    if (where === "start") this.feed.prepend(node);
    else this.feed.append(node);
    this.watcher.consider(media, where === "start");
  }

  /** A file uploaded from this page: at the top, without a reload. */
  prepend(media) {
    if (!this.matches(media)) return;
    this.add(media, "start");
    this.showEmptyOrNothing();
  }

  /**
   * A newer version of a file: its card shows it (nothing is redrawn when nothing changed), and
   * `onReplace` hears of it unless it came from there (`notify` false).
   */
  replace(media, notify = true) {
    const node = this.cards.get(media.id);
    if (!node || JSON.stringify(node.media) === JSON.stringify(media)) return;
    update(node, media, this.actions);
    if (notify) this.onReplace(media);
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
}
