import { useMemo } from 'react';
import { toLines } from './highlight';
import { VirtualList } from './VirtualList';

/** Read-only source viewer: line numbers, highlighting, virtualized so a large bundle stays fast. `line` (1-based) is scrolled to and marked. */
export function CodeView({ code, line }: { code: string; line?: number }) {
  const lines = useMemo(() => toLines(code), [code]);
  const gutter = String(lines.length).length;
  return (
    <VirtualList
      items={lines}
      rowHeight={18}
      className="code-view"
      testId="code-view"
      overscan={30}
      scrollToIndex={line ? line - 1 : undefined}
      renderRow={(pieces, i) => (
        <div
          className={i + 1 === line ? 'code-line code-line-target' : 'code-line'}
          data-testid={i + 1 === line ? 'code-line-target' : undefined}
        >
          <span className="ln" style={{ width: `${gutter + 1}ch` }}>
            {i + 1}
          </span>
          <span className="code-text">
            {pieces.map((p, j) => (
              <span key={j} className={p.type ? `tok-${p.type}` : undefined}>
                {p.text}
              </span>
            ))}
          </span>
        </div>
      )}
    />
  );
}
