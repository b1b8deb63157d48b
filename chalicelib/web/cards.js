// One card per file: an <article> named by its heading (the file's name), with its actions.
import { el, lockIcon, safeUrl } from "./dom.js";
import { facts } from "./format.js";

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

/** The picture of a file: its thumbnail (the original while there is none), a video's muted first frame. */
export function preview(media, { alt = "", lazy = true } = {}) {
  if (media.file_type === "video") {
    const video = el("video", { preload: "metadata", playsinline: true, disablepictureinpicture: true, tabindex: "-1" });
    video.muted = true;
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

/** A new card; `actions` has details, rename, copy and remove, each given (media, card). */
export function card(media, actions) {
  const nameId = `media-${media.id}-name`;
  const article = el("article", { class: "card", "aria-labelledby": nameId, dataset: { id: media.id } });
  article.media = media;
  const locked = media.uploaded_by === "admin";
  const heading = el("h3", { id: nameId, class: "name", text: media.name, title: media.name });
  const status = el("p", { class: "card-status", role: "status" });
  const buttons = el(
    "div",
    { class: "actions" },
    button("Details", () => actions.details(article.media, article)),
    button("Rename", () => startRename(article, actions)),
    button("Copy URL", () => actions.copy(article.media, article)),
    locked ? null : button("Delete", () => actions.remove(article.media, article), { class: "danger" }),
  );
  article.append(
    el("div", { class: "preview" }, preview(media)),
    el(
      "div",
      { class: "card-body" },
      heading,
      locked
        ? el("p", { class: "badge", title: "Uploaded by an administrator: it cannot be deleted here." }, lockIcon(), "Admin file")
        : null,
      el("p", { class: "facts", text: facts(media).join(" · ") }),
      buttons,
      status,
    ),
  );
  return article;
}

/** Show a message on the card (errors of its actions, "URL copied"). */
export function say(article, message, isError = false) {
  const status = article.querySelector(".card-status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

/** The card shows `media` from now on (a new name, a thumbnail that arrived). */
export function update(article, media) {
  const before = article.media;
  article.media = media;
  const heading = article.querySelector("h3");
  heading.textContent = media.name;
  heading.title = media.name;
  article.querySelector(".facts").textContent = facts(media).join(" · ");
  if (media.file_type === "image" && media.thumbnail_url && media.thumbnail_url !== before.thumbnail_url) {
    const img = article.querySelector(".preview img");
    if (img) img.src = safeUrl(media.thumbnail_url);
  }
}

/** Inline rename: Enter saves, Esc cancels (so does leaving the field). */
function startRename(article, actions) {
  if (article.querySelector("input.rename")) return;
  const heading = article.querySelector("h3");
  const renameButton = [...article.querySelectorAll(".actions button")].find((b) => b.textContent === "Rename");
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
        say(article, error.message, true);
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
