import './prism-manual';
import Prism from 'prismjs';

export interface Piece {
  type: string;
  text: string;
}

/** Above this size highlighting is skipped (tokenizing costs more than it helps); text is still shown. */
const HIGHLIGHT_MAX = 512 * 1024;

/**
 * Prism's token tree flattened into lines of (type, text) pieces. Only text nodes are produced:
 * the customer's code is never turned into HTML.
 */
export function toLines(code: string): Piece[][] {
  const lines: Piece[][] = [[]];
  const push = (type: string, text: string) => {
    const parts = text.split('\n');
    parts.forEach((p, i) => {
      if (i > 0) lines.push([]);
      if (p) lines[lines.length - 1]!.push({ type, text: p });
    });
  };
  const walk = (stream: Prism.TokenStream, type: string) => {
    if (typeof stream === 'string') push(type, stream);
    else if (Array.isArray(stream)) for (const s of stream) walk(s, type);
    else walk(stream.content, stream.type);
  };
  if (code.length > HIGHLIGHT_MAX) push('', code);
  else walk(Prism.tokenize(code, Prism.languages.javascript!), '');
  return lines;
}
