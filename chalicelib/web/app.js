// The media library page (docs/architecture.md, "The media library page"): sign in with an API key, browse,
// filter, upload, rename, describe and tag, delete, and see where each file can be sent.
import { Api } from "./api.js";
import { say } from "./cards.js";
import { confirmDelete, copyText, Details } from "./details.js";
import { Library } from "./library.js";
import { Uploads } from "./uploads.js";

/** The key lives in this tab's sessionStorage only: never in a URL, a cookie or localStorage. */
const KEY = "media-library-api-key";
const $ = (id) => document.getElementById(id);
// This file is served at {root}static/{version}/app.js: the root keeps the stage prefix when deployed.
const api = new Api(new URL("../../", import.meta.url));
let account = null;

function perPage() {
  const asked = Number.parseInt(new URLSearchParams(window.location.search).get("per_page") || "", 10);
  return asked >= 1 && asked <= 100 ? asked : 100;
}

function announce(text) {
  $("announce").textContent = text;
}

const details = new Details($("details"), { api, onChange: (media) => library.replace(media, false) });
const actions = {
  details: (media) => details.show(media),
  tag: (tag) => library.filterTag(tag),
  async rename(media, name) {
    library.replace(await api.rename(media.id, name));
  },
  async copy(media, article) {
    try {
      await copyText(media.url);
      say(article, "URL copied", { brief: true });
    } catch (error) {
      say(article, `Could not copy: ${error.message}`, { error: true });
    }
  },
  async remove(media, article) {
    if (!(await confirmDelete($("confirm"), media))) return;
    try {
      await api.remove(media.id);
    } catch (error) {
      say(article, error.message, { error: true });
      return;
    }
    const neighbour = library.remove(media.id);
    (neighbour ? neighbour.querySelector("button") : $("search")).focus();
    announce(`Deleted “${media.name}”.`);
    refreshAccount();
  },
};

const library = new Library({
  api,
  actions,
  feed: $("files"),
  status: $("list-status"),
  more: $("load-more"),
  tabs: $("tabs"),
  search: $("search"),
  filters: { channel: $("channel"), tagLine: $("tag-filter"), tagName: $("tag-filter-name"), clearTag: $("tag-filter-clear") },
  perPage: perPage(),
  onReplace: (media) => details.notice(media),
});

const uploads = new Uploads({
  api,
  section: $("uploads"),
  list: $("upload-list"),
  summary: $("uploads-summary"),
  clear: $("uploads-clear"),
  toggle: $("uploads-toggle"),
  account: () => account,
  onUploaded(media) {
    library.prepend(media);
    refreshAccount();
  },
});

function showAccount(data) {
  account = data;
  $("account-name").textContent = data.name;
  const { files, formatted_bytes: size } = data.usage;
  const meter = $("usage-meter");
  meter.hidden = data.media_limit === null;
  if (data.media_limit !== null) {
    meter.max = Math.max(1, data.media_limit);
    meter.value = files;
    meter.high = meter.max * 0.9;
    $("usage-text").textContent = `${files} of ${data.media_limit} files · ${size}`;
  } else {
    $("usage-text").textContent = `${files} files · ${size} · no file limit`;
  }
  const { image, video } = data.limits.extensions;
  $("file-input").accept = [...image, ...video].map((ext) => `.${ext}`).join(",");
}

let refreshing = null;
function refreshAccount() {
  refreshing = refreshing || api.account().then(showAccount, () => {}).finally(() => (refreshing = null));
  return refreshing;
}

function showView(signedIn) {
  $("sign-in-view").hidden = signedIn;
  $("library-view").hidden = !signedIn;
  $("account").hidden = !signedIn;
}

async function signIn(key, restoring) {
  api.key = key;
  library.reload(); // with the account, not after it: one round trip less before the first cards
  let data;
  try {
    data = await api.account();
  } catch (error) {
    library.clear();
    api.key = "";
    sessionStorage.removeItem(KEY);
    showView(false);
    const why = error.status === 401 ? `That API key was not accepted. ${error.message}` : error.message;
    $("sign-in-error").textContent = restoring ? `Sign in again. ${why}` : why;
    $("api-key").focus();
    return;
  }
  sessionStorage.setItem(KEY, key);
  $("api-key").value = "";
  $("sign-in-error").textContent = "";
  showAccount(data);
  showView(true);
  if (!restoring) $("search").focus();
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY);
  api.key = "";
  account = null;
  uploads.reset();
  library.clear();
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  $("search").value = "";
  library.resetFilters(); // quietly: a list request now would go out with no key and get a 401
  showView(false);
  $("sign-in-error").textContent = message;
  $("api-key").focus();
}

// Any 401 (a revoked key, say) takes the person back to sign-in.
api.onUnauthorized = () => {
  if (account) signOut("Your API key was refused (it may have been revoked). Sign in again.");
};

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) {
    $("sign-in-error").textContent = "Paste an API key first.";
    return;
  }
  const submit = event.target.querySelector("button");
  submit.disabled = true;
  $("sign-in-error").textContent = "";
  await signIn(key, false);
  submit.disabled = false;
});
$("sign-out").addEventListener("click", () => signOut());

$("file-input").addEventListener("change", (event) => {
  uploads.add([...event.target.files]);
  event.target.value = ""; // the same file can be chosen again
});

// Drag and drop anywhere on the page.
const overlay = $("drop-overlay");
let depth = 0;
const carriesFiles = (event) => account && event.dataTransfer && [...event.dataTransfer.types].includes("Files");
document.addEventListener("dragenter", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  depth += 1;
  overlay.hidden = false;
});
document.addEventListener("dragover", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
});
document.addEventListener("dragleave", () => {
  depth = Math.max(0, depth - 1);
  if (!depth) overlay.hidden = true;
});
document.addEventListener("drop", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  depth = 0;
  overlay.hidden = true;
  uploads.add([...event.dataTransfer.files]);
});

const saved = sessionStorage.getItem(KEY);
if (saved) signIn(saved, true);
else showView(false);
