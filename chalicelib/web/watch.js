// Cards that are still being made refresh themselves: the file is asked for again, less and less
// often, only while the page is visible, until it is finished or the cap is reached (a reload then
// shows it; the derivatives worker and the reconciler finish it meanwhile).
import { sleep } from "./dom.js";

/** The waits before each look at one file: a back-off, and by its length the cap (about 3 minutes). */
const WAITS_MS = [1000, 1500, 2500, 4000, 6000, 10000, 15000, 20000, 30000, 30000, 30000, 30000];
/** Images older than this without a thumbnail are not waited for (the reconciler makes it later). */
const THUMBNAIL_RECENT_MS = 2 * 60 * 1000;
/** Files still being prepared after this long were held up: a reload tells, no card waits for them. */
const PROCESSING_RECENT_MS = 30 * 60 * 1000;

function processing(media) {
  return Boolean(media.delivery && media.delivery.status === "processing");
}

/** Whether `media` will change by itself soon: its delivery being prepared, an image's thumbnail to come. */
export function unfinished(media) {
  return processing(media) || (media.file_type === "image" && !media.thumbnail_url);
}

/** Resolves at once on a visible page, else when it becomes visible (a background tab asks nothing). */
function visible() {
  if (document.visibilityState === "visible") return Promise.resolve();
  return new Promise((resolve) => {
    const seen = () => {
      if (document.visibilityState !== "visible") return;
      document.removeEventListener("visibilitychange", seen);
      resolve();
    };
    document.addEventListener("visibilitychange", seen);
  });
}

export class Watcher {
  /** `shows(id)`: whether a card still shows the file; `onFresh(media)`: each newer answer. */
  constructor({ api, shows, onFresh }) {
    Object.assign(this, { api, shows, onFresh });
    this.watching = new Map(); // id -> the token of the one loop watching it
  }

  /** Watch `media` if it is unfinished and recent enough to finish soon (or was just uploaded here). */
  consider(media, uploadedHere = false) {
    if (!unfinished(media)) return;
    const age = Date.now() - Date.parse(media.created_at);
    if (uploadedHere || age < (processing(media) ? PROCESSING_RECENT_MS : THUMBNAIL_RECENT_MS)) this.watch(media.id);
  }

  async watch(id) {
    if (this.watching.has(id)) return;
    const token = {};
    this.watching.set(id, token);
    const current = () => this.watching.get(id) === token && this.shows(id);
    try {
      for (const wait of WAITS_MS) {
        await sleep(wait);
        await visible();
        if (!current()) return;
        let media = null;
        try {
          media = await this.api.get(id);
        } catch (error) {
          if (error.status === 404) return; // deleted meanwhile: nothing more will come
        }
        if (!current()) return;
        if (media) this.onFresh(media);
        if (media && !unfinished(media)) return;
      }
    } finally {
      if (this.watching.get(id) === token) this.watching.delete(id);
    }
  }

  /** Forget every watch (a new list, a sign-out): each loop ends at its next look. */
  stop() {
    this.watching.clear();
  }
}
