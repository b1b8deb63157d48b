// One card per file: an <article> named by its heading (the file's name), with its actions.
import { channelMarks } from "./channels.js";
import { el, ICONS, icon, lockIcon, safeUrl } from "./dom.js";
import { facts } from "./format.js";
import { tagRow } from "./tags.js";

let videos = null;

/** Videos load their first frame only near the viewport (a hundred at once would be a hundred requests). */
function lazyVideo(video) {
  if (!("IntersectionObserver" in window)) {
    video.src = video.dataset.src;
    return;
  }
  videos = videos || new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      videos.unobserve(entry.target);
      entry.target.src = entry.target.dataset.src;
    }
  }, { rootMargin: "300px" });
  videos.observe(video);
}

/** How long a brief card message ("URL copied") stays. */
const BRIEF_MS = 2500;

/**
 * The picture of a file, whole (fitted, never cropped): its thumbnail (the original while there is
 * none); a video's poster when it has one (`thumbnail_url`), else its muted first frame.
 */
export function preview(media, { alt = "", lazy = true } = {}) {
  if (media.file_type === "video") {
    const video = el("video", { preload: "metadata", playsinline: true, disablepictureinpicture: true, tabindex: "-1" });
    video.muted = true;
    if (media.thumbnail_url) video.poster = safeUrl(media.thumbnail_url);
    video.dataset.src = `${safeUrl(media.url)}#t=0.1`;
    if (alt) video.setAttribute("aria-label", alt);
    else video.setAttribute("aria-hidden", "true");
    if (lazy) lazyVideo(video);
    else video.src = video.dataset.src;
    return video;
  }
  const img = el("img", { alt, decoding: "async", loading: lazy ? "lazy" : "eager" });
  img.src = safeUrl(media.thumbnail_url || media.url);
  img.addEventListener("error", () => {
    const original = safeUrl(media.url);
    if (img.src !== original) img.src = original; // a thumbnail that went missing
  });
  return img;
}

function button(text, onclick, extra = {}) {
  return el("button", { type: "button", text, onclick, ...extra });
}

/** A compact button named by its label (screen readers, tests) and showing it as a tooltip. */
function iconButton(label, action, onclick, extra = {}) {
  return el("button", { type: "button", "aria-label": label, title: label, class: `icon-button ${extra.class || ""}`.trim(), dataset: { action }, onclick }, icon(...ICONS[action]));
}

/** The facts under the name, each kept whole on its line ("1280 × 720" never splits). */
function factList(media) {
  return facts(media).flatMap((fact, index) => [index ? " · " : null, el("span", { class: "fact", text: fact })]);
}

/** The original filename, when the display name is another (search matches it too). */
function originalLine(media) {
  const shown = media.original_name && media.original_name !== media.name;
  return el("p", { class: "original", text: shown ? media.original_name : "", title: shown ? media.original_name : null, hidden: !shown });
}

/** A new card; `actions` has details, rename, copy and remove, each given (media, card), and tag (a tag clicked). */
export function card(media, actions) {
  const nameId = `media-${media.id}-name`;
  const article = el("article", { class: "card", "aria-labelledby": nameId, dataset: { id: media.id } });
  article.media = media;
  const locked = media.uploaded_by === "admin";
  const heading = el("h3", { id: nameId, class: "name", text: media.name, title: media.name });
  const status = el("p", { class: "card-status", role: "status" });
  // One row: Details in words, the others as named icons (four words did not fit a card's width).
  const buttons = el(
    "div",
    { class: "actions" },
    button("Details", () => actions.details(article.media, article), { class: "details-button" }),
    iconButton("Rename", "rename", () => startRename(article, actions)),
    iconButton("Copy URL", "copy", () => actions.copy(article.media, article)),
    locked ? null : iconButton("Delete", "remove", () => actions.remove(article.media, article), { class: "danger" }),
  );
  const video = media.file_type === "video";
  article.append(
    el(
      "div",
      { class: "preview" },
      preview(media),
      video ? el("span", { class: "play-badge", "aria-hidden": "true" }, icon(...ICONS.play)) : null,
    ),
    el(
      "div",
      { class: "card-body" },
      heading,
      originalLine(media),
      locked
        ? el("p", { class: "badge", title: "Uploaded by an administrator: it cannot be deleted here." }, lockIcon(), "Admin file")
        : null,
      el("p", { class: "facts" }, factList(media)),
      tagRow(media, actions.tag),
      channelMarks(media),
      buttons,
    ),
    status,
  );
  return article;
}

/**
 * Show a message on the card: an error of its actions stays (under the buttons); a `brief` one
 * ("URL copied") floats over the picture, so the card keeps its height, and goes away by itself.
 */
export function say(article, message, { error = false, brief = false } = {}) {
  const status = article.querySelector(".card-status");
  clearTimeout(status.timer);
  status.textContent = message;
  status.classList.toggle("error", error);
  status.classList.toggle("brief", brief);
  if (brief) status.timer = setTimeout(() => say(article, ""), BRIEF_MS);
}

/** The card shows `media` from now on (a new name, new tags, a thumbnail or a rendition that arrived). */
export function update(article, media, actions) {
  const before = article.media;
  article.media = media;
  const heading = article.querySelector("h3");
  heading.textContent = media.name;
  heading.title = media.name;
  article.querySelector(".facts").replaceChildren(...factList(media).filter(Boolean));
  article.querySelector(".original").replaceWith(originalLine(media));
  // Only what changed is redrawn: a tag button someone is on keeps its focus.
  const same = (field) => JSON.stringify(before[field]) === JSON.stringify(media[field]);
  if (!same("tags")) article.querySelector(".tags").replaceWith(tagRow(media, actions.tag));
  if (!same("delivery")) article.querySelector(".delivery").replaceWith(channelMarks(media));
  if (media.file_type === "video" && media.thumbnail_url && media.thumbnail_url !== before.thumbnail_url) {
    const video = article.querySelector(".preview video");
    if (video) video.poster = safeUrl(media.thumbnail_url);
  }
  if (media.file_type === "image" && media.thumbnail_url && media.thumbnail_url !== before.thumbnail_url) {
    const img = article.querySelector(".preview img");
    if (img) img.src = safeUrl(media.thumbnail_url);
  }
}

/** Inline rename: Enter saves, Esc cancels (so does leaving the field). */
function startRename(article, actions) {
  if (article.querySelector("input.rename")) return;
  const heading = article.querySelector("h3");
  const renameButton = article.querySelector('.actions [data-action="rename"]');
  const input = el("input", { type: "text", class: "rename", "aria-label": "New name", maxlength: "255", spellcheck: "false" });
  input.value = article.media.name;
  let saving = false;
  let closed = false;
  // Removing a focused field fires its blur first: closing must happen once.
  const close = (refocus) => {
    if (closed) return;
    closed = true;
    heading.hidden = false;
    input.remove();
    if (refocus) renameButton.focus();
  };
  input.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      say(article, "");
      close(true);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (input.value === article.media.name) return close(true);
      saving = true;
      input.disabled = true;
      try {
        await actions.rename(article.media, input.value, article);
        say(article, "");
        saving = false;
        close(true);
      } catch (error) {
        saving = false;
        say(article, error.message, { error: true });
        input.disabled = false;
        input.focus();
      }
    }
  });
  input.addEventListener("blur", () => {
    if (!saving) close(false);
  });
  heading.hidden = true;
  heading.after(input);
  input.focus();
  input.select();
}
