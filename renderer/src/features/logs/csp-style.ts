/**
 * xterm's DOM renderer colours some cells (the selection, search matches, true-colour text) with
 * `span.setAttribute('style', ...)`. Under the page's CSP (no 'unsafe-inline') Chromium refuses style
 * attributes, so a selection would not show. Setting the same declarations through the CSSOM
 * (`style.cssText`) is allowed by CSP and means the same thing; markup injected into the page still
 * cannot carry a style attribute (the parser path stays blocked). Scoped to <span>, which is what
 * xterm's row factory creates; React never uses setAttribute for styles.
 */
const original = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (this: Element, name: string, value: string) {
  if (this instanceof HTMLSpanElement && name.toLowerCase() === 'style') {
    this.style.cssText = value;
    return;
  }
  original.call(this, name, value);
};

export {};
