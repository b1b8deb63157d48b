// Building the page with DOM calls only: user data only ever becomes text nodes or attribute values.

/** A new element: `props` are attributes (`class`, `text`, `dataset`, `on<event>` handled apart). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** An http(s) URL as given, anything else (javascript:, data:...) as "". */
export function safeUrl(url) {
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "";
  } catch {
    return "";
  }
}

const SVG = "http://www.w3.org/2000/svg";

/** A decorative 16 x 16 icon from path data (the button or text beside it names it). */
export function icon(...paths) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon");
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

export const ICONS = {
  rename: ["M11.2 1.6l3.2 3.2-8.6 8.6-3.9.7.7-3.9z", "M1.5 14.6h13v1h-13z"],
  copy: ["M5 1h9v10h-2V3H5z", "M2 4h9v11H2zm1.5 1.5v8h6v-8z"],
  remove: ["M5.5 1h5l.5 1.5H14V4H2V2.5h3z", "M3 5h10l-.8 10H3.8zm2.6 1.6l.3 6.8h1.2L6.8 6.6zm3.6 0l-.3 6.8h1.2l.3-6.8z"],
  play: ["M5 3.2v9.6L12.8 8z"],
  check: ["M6.2 12.2L2.4 8.4l1.2-1.2 2.6 2.6 6.2-6.2 1.2 1.2z"],
  cross: ["M4.2 3L8 6.8 11.8 3 13 4.2 9.2 8l3.8 3.8-1.2 1.2L8 9.2 4.2 13 3 11.8 6.8 8 3 4.2z"],
  alert: ["M8 1l7.5 13.5H.5zm-.8 4.6v4.6h1.6V5.6zm0 5.8V13h1.6v-1.6z"],
};

/** A small padlock, drawn with DOM calls (decorative: the text next to it says it). */
export function lockIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon");
  const body = document.createElementNS(SVG, "rect");
  for (const [k, v] of Object.entries({ x: 3, y: 7, width: 10, height: 8, rx: 1.5 })) body.setAttribute(k, v);
  const shackle = document.createElementNS(SVG, "path");
  shackle.setAttribute("d", "M5 7V5a3 3 0 0 1 6 0v2");
  shackle.setAttribute("fill", "none");
  shackle.setAttribute("stroke", "currentColor");
  shackle.setAttribute("stroke-width", "1.6");
  svg.append(body, shackle);
  return svg;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A random Idempotency-Key (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
