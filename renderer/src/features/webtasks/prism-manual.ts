// Prism highlights every `language-*` element on page load unless told it is driven by hand.
// This module runs before prismjs is imported, so the console only ever uses Prism.tokenize.
(globalThis as { Prism?: { manual?: boolean } }).Prism = { manual: true };
export {};
