// The details panel's form for a file's description and tags. Saved with If-Match on the ETag of the
// version the form shows (docs/architecture.md, "Conditional requests"): an edit made meanwhile by
// someone else is never overwritten.
import { TagEditor } from "./tags.js";

const STALE = "Someone changed this file since it was opened: it now shows their version. Make your change again, then save.";
const FIELDS = ["description", "tags"];
/** Saves tried on newer versions that changed nothing this form edits (a poster, a rendition, a rename). */
const ATTEMPTS = 3;

/** What this form edits, to compare two versions of a file by. */
function edited(media) {
  return JSON.stringify([media.description || null, media.tags || []]);
}

/** A description is one paragraph: line breaks (which the API refuses as control characters) become spaces. */
function oneParagraph(text) {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

export class DescribeForm {
  constructor(form, { api, onChange }) {
    Object.assign(this, { form, api, onChange });
    const $ = (id) => form.querySelector(`#${id}`);
    this.fieldset = form.querySelector("fieldset");
    this.status = $("details-form-status");
    this.controls = { description: $("details-description"), tags: $("details-tag-input") };
    this.errors = { description: $("details-description-error"), tags: $("details-tags-error") };
    this.tags = new TagEditor({
      list: $("details-tags"),
      input: this.controls.tags,
      say: (text) => this.say(text),
      changed: () => this.clearError("tags"),
    });
    this.controls.description.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
    this.controls.description.addEventListener("input", () => this.clearError("description"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.media = null;
    this.etag = "";
    this.saving = false;
  }

  /** The file as the card knows it, while its current version is fetched: nothing can be saved yet. */
  wait(media) {
    this.fill(media, "");
    this.fieldset.disabled = true;
    this.say("");
  }

  /** The file at `etag`: its values in the fields, ready to edit. */
  load(media, etag) {
    this.fill(media, etag);
    this.fieldset.disabled = false;
  }

  fill(media, etag) {
    this.media = media;
    this.etag = etag;
    this.controls.description.value = media.description || "";
    this.tags.set(media.tags || []);
    for (const field of FIELDS) this.clearError(field);
  }

  /**
   * A newer version of the shown file (its poster or rendition arrived): its ETag is taken when what
   * this form edits is unchanged in it, so saving refuses only someone else's edit of these fields.
   */
  adopt(media, etag) {
    if (!this.media || media.id !== this.media.id || !this.etag || this.saving) return;
    if (edited(media) === edited(this.media)) {
      this.media = media;
      this.etag = etag;
    }
  }

  say(text, error = false) {
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
  }

  clearError(field) {
    this.errors[field].textContent = "";
    this.controls[field].removeAttribute("aria-invalid");
  }

  /**
   * PUT with If-Match. A 412 means the file moved on: when what this form edits is unchanged in the
   * current version (the worker added a poster, someone renamed it), the save is made again on that
   * version; when the description or tags changed, the form shows them and says so.
   */
  async save() {
    if (this.saving || !this.etag) return;
    const description = oneParagraph(this.controls.description.value);
    const changes = { description: description || null, tags: this.tags.value() };
    const base = this.media;
    if (edited(changes) === edited(base)) {
      this.say("Nothing to save: the description and tags are as stored.");
      return;
    }
    this.saving = true;
    this.form.setAttribute("aria-busy", "true");
    this.say("Saving…");
    try {
      let etag = this.etag;
      for (let attempt = 1; ; attempt += 1) {
        try {
          const saved = await this.api.describe(base.id, changes, etag);
          this.show(saved, "Saved.");
          return;
        } catch (error) {
          if (error.status !== 412 || attempt >= ATTEMPTS) throw error;
        }
        const current = await this.api.getTagged(base.id);
        if (edited(current.media) !== edited(base)) {
          this.show(current, STALE, true);
          return;
        }
        etag = current.etag;
      }
    } catch (error) {
      if (error.status === 422 && error.errors) this.showErrors(error);
      else this.say(`Could not save: ${error.message}`, true);
    } finally {
      this.saving = false;
      this.form.setAttribute("aria-busy", "false");
    }
  }

  /** A version of the file from the API (`{media, etag}`) in the form and on its card, then `message`. */
  show({ media, etag }, message, error = false) {
    this.load(media, etag);
    this.onChange(media);
    this.say(message, error);
  }

  /** The API's message for each refused field, next to that field; focus goes to the first. */
  showErrors(error) {
    const refused = FIELDS.filter((field) => error.errors[field]);
    for (const field of refused) {
      this.errors[field].textContent = error.errors[field].join(" ");
      this.controls[field].setAttribute("aria-invalid", "true");
    }
    const others = Object.entries(error.errors).filter(([field]) => !FIELDS.includes(field));
    const rest = others.flatMap(([, messages]) => messages).join(" ");
    this.say(rest ? `Not saved: ${rest}` : "Not saved: see the message next to the field.", true);
    if (refused.length) this.controls[refused[0]].focus();
  }
}
