/**
 * xterm.js creates <style> elements at run time. The page's CSP admits them only with the per-launch
 * nonce the host put in <meta property="csp-nonce">, so every <style> this page creates carries it.
 * Imported first, before any library can create one.
 */
const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
const nonce = meta?.nonce || meta?.getAttribute('nonce') || '';

if (nonce && nonce !== 'CSPNONCEPLACEHOLDER') {
  const create = Document.prototype.createElement;
  Document.prototype.createElement = function (this: Document, tagName: string, options?: ElementCreationOptions) {
    const el = create.call(this, tagName, options);
    if (tagName.toLowerCase() === 'style') el.setAttribute('nonce', nonce);
    return el;
  } as typeof Document.prototype.createElement;
}

export {};
