import { memo, useEffect, useRef, useState, type ReactNode } from 'react';

// Rows are memoized by (item, index): scrolling renders only the rows that come into view.
const Row = memo(function Row<T>({
  item,
  index,
  rowHeight,
  renderRow,
}: {
  item: T;
  index: number;
  rowHeight: number;
  renderRow: (item: T, index: number) => ReactNode;
}) {
  return (
    <div className="vrow" style={{ top: index * rowHeight, height: rowHeight }}>
      {renderRow(item, index)}
    </div>
  );
}) as <T>(p: { item: T; index: number; rowHeight: number; renderRow: (item: T, index: number) => ReactNode }) => ReactNode;

/**
 * A fixed-row-height virtual list. Hand-rolled rather than a library: with one known row height the
 * whole job is "which slice is in view", about forty lines, and it keeps the bundle free of a dependency.
 * Only the rows in view (plus an overscan) are in the DOM, so 10,000 rows scroll like 40.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  renderRow,
  onNearEnd,
  overscan = 10,
  className = '',
  testId,
  scrollToIndex,
}: {
  items: readonly T[];
  rowHeight: number;
  renderRow: (item: T, index: number) => ReactNode;
  /** Called when the rows in view come within a screen of the end (load the next page). */
  onNearEnd?: () => void;
  overscan?: number;
  className?: string;
  testId?: string;
  /** Scrolls this row into view (a third from the top) when it changes. */
  scrollToIndex?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 600));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (!el || scrollToIndex === undefined) return;
    el.scrollTop = Math.max(0, scrollToIndex * rowHeight - el.clientHeight / 3);
  }, [scrollToIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const visible = Math.ceil(height / rowHeight);
  const last = Math.min(items.length, Math.floor(scrollTop / rowHeight) + visible + overscan);

  useEffect(() => {
    // An empty list is the owner's first load to make, not a "near the end" signal.
    if (onNearEnd && items.length > 0 && last + visible >= items.length) onNearEnd();
  }, [last, visible, items.length, onNearEnd]);

  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(<Row key={i} item={items[i]!} index={i} rowHeight={rowHeight} renderRow={renderRow} />);
  }
  return (
    <div
      ref={ref}
      className={`vlist ${className}`}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      data-testid={testId}
      data-count={items.length}
    >
      <div className="vlist-inner" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
