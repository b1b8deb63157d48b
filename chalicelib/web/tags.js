// Tags: a few on each card (a click filters the grid by one), and the editor in the details panel.
import { el, ICONS, icon } from "./dom.js";

/** How many tags a card shows before "+N". */
const SHOWN = 3;

/** The card's tags: the first few as buttons that filter the grid by them, then "+N" for the rest. */
export function tagRow(media, onTag) {
  const tags = media.tags || [];
  const rest = tags.slice(SHOWN);
  const shown = tags.slice(0, SHOWN).map((tag) => {
    const label = { title: `Show files tagged “${tag}”`, "aria-label": `Filter by tag ${tag}` };
    return el("li", {}, el("button", { type: "button", class: "tag", text: tag, onclick: () => onTag(tag), ...label }));
  });
  const hidden = rest.join(", ");
  const more = rest.length
    ? el("li", { class: "tag-more", title: hidden }, `+${rest.length}`, el("span", { class: "visually-hidden", text: ` more: ${hidden}` }))
    : null;
  return el("ul", { class: "tags", hidden: !tags.length }, shown, more);
}

/**
 * The tags field of a form: a list of chips, each with its remove button, and a text field where
 * Enter or a comma adds what was typed. Backspace in the empty field removes the last tag.
 * Tags are kept as typed (the API lower-cases them and says what it refuses).
 */
export class TagEditor {
  constructor({ list, input, say, changed }) {
    Object.assign(this, { list, input, say, changed });
    this.tags = [];
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === ",") {
        event.preventDefault(); // Enter adds a tag: it never submits the form by accident
        this.commit();
      } else if (event.key === "Backspace" && !input.value && this.tags.length) {
        event.preventDefault();
        this.remove(this.tags.length - 1, { refocus: false });
      }
    });
    // A pasted "a, b, c" becomes three tags (typed commas are taken by keydown above).
    input.addEventListener("input", () => {
      if (input.value.includes(",")) this.commit();
    });
  }

  /** Show `tags` as they are stored; whatever was typed is dropped. */
  set(tags) {
    this.tags = [...tags];
    this.input.value = "";
    this.render();
  }

  /** The tags to save: the chips, and what is still typed in the field (saving should not lose it). */
  value() {
    this.commit({ quiet: true });
    return [...this.tags];
  }

  commit({ quiet = false } = {}) {
    const typed = this.input.value.split(",").map((part) => part.trim()).filter(Boolean);
    this.input.value = "";
    const added = typed.filter((tag) => !this.tags.some((other) => other.toLowerCase() === tag.toLowerCase()));
    if (!added.length) return;
    this.tags.push(...new Set(added));
    this.render();
    this.changed();
    if (!quiet) this.say(added.length === 1 ? `Tag “${added[0]}” added.` : `${added.length} tags added.`);
  }

  remove(index, { refocus = true } = {}) {
    const [tag] = this.tags.splice(index, 1);
    this.render();
    this.changed();
    this.say(`Tag “${tag}” removed.`);
    if (!refocus) return;
    // Focus stays in the list (the next tag's button, else the previous one), else goes to the field.
    const buttons = this.list.querySelectorAll("button");
    (buttons[Math.min(index, buttons.length - 1)] || this.input).focus();
  }

  render() {
    this.list.replaceChildren(
      ...this.tags.map((tag, index) =>
        el(
          "li",
          { class: "chip" },
          el("span", { text: tag }),
          el(
            "button",
            { type: "button", class: "chip-remove", "aria-label": `Remove tag ${tag}`, title: `Remove tag “${tag}”`, onclick: () => this.remove(index) },
            icon(...ICONS.cross),
          ),
        ),
      ),
    );
    this.list.hidden = !this.tags.length;
  }
}
