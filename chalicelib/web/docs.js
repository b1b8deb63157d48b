// Renders the OpenAPI document with the vendored Redoc (no inline script: the page's CSP forbids it).
"use strict";
(function () {
  const root = document.getElementById("redoc");
  window.Redoc.init(root.dataset.spec, { hideDownloadButton: false, expandResponses: "200,201" }, root);
})();
