/**
 * The live tail's flow control, declared once for the core (stream, queue, pump) and the pane (xterm
 * writes, acks). Path of a line: socket -> bounded queue -> batch -> pane; each limit below says where
 * it bites and why it has the value it has.
 */

/** Under load (a batch in flight), a batch leaves the core at most this long after its first line waited: one display frame at 60 Hz. An idle pipe sends at once. */
export const BATCH_INTERVAL_MS = 16;
/** Below this many unacknowledged bytes the pipe counts as idle and a batch goes at once (about 3 ms of xterm parsing: a quiet tail is never held; a flood, with more in flight, coalesces). */
export const IDLE_SEND_BYTES = 64 * 1024;
/** ...or at once when this many bytes wait: a flood is not held to the frame rate, and one batch still parses within a frame. */
export const MAX_BATCH_BYTES = 200 * 1024;
/** Bytes sent and not yet acknowledged by the pane at which the core stops sending (about 100 ms of xterm parsing). */
export const ACK_HIGH_WATER_BYTES = 2 * 1024 * 1024;
/** ...and below which it sends again: far enough under the high mark that it does not flap batch by batch. */
export const ACK_LOW_WATER_BYTES = 512 * 1024;

/** The core's queue between socket and pump. Above `high*` the socket is paused, below `low*` resumed; past `max*` the oldest lines are dropped and counted. */
export const QUEUE_LIMITS = {
  /** About one second of a heavy tail: enough to ride out a slow frame without pausing the socket. */
  highLines: 20_000,
  highBytes: 16 * 1024 * 1024,
  /** A quarter of the high mark: the socket reads in long runs, not line by line. */
  lowLines: 5_000,
  lowBytes: 4 * 1024 * 1024,
  /** The hard ceiling the socket's last chunk can push the queue to while pausing. */
  maxLines: 50_000,
  maxBytes: 64 * 1024 * 1024,
} as const;

/** A message longer than this is cut for display (after redaction); the saved file keeps it whole. 16 KB is ~200 terminal rows. */
export const DISPLAY_CUT_CHARS = 16 * 1024;
/** A single SSE event larger than this is skipped on the wire with a marker: no log record is that large, and buffering one would be the memory attack. */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;
/** Lines the core keeps whole after sending them, for "save" and the JSON view (the pane's own keep, doubled). */
export const CORE_KEPT_LINES = 20_000;
export const CORE_KEPT_BYTES = 64 * 1024 * 1024;

/** xterm's scrollback: what the pane can scroll back through (xterm's memory grows with it). */
export const PANE_SCROLLBACK = 10_000;
/** Lines the pane keeps to re-draw when the filter or view changes (twice the scrollback, so a filter still fills it). */
export const PANE_KEEP_LINES = 20_000;
/** While paused, at most this many lines wait in the pane; past it the pane holds its ack and the core holds back. */
export const PANE_WAIT_CAP = 50_000;
/** At most this much text per terminal write (batches coalesce up to it while the previous write parses), so one write never stalls the page. */
export const PANE_FRAME_CHARS = 1024 * 1024;

/** A recording starts a new file at this size (a size editors and `jq` still open comfortably)... */
export const RECORD_FILE_CAP_BYTES = 100 * 1024 * 1024;
/** ...and keeps this many older files besides the active one (100 MB x 5 in all); the oldest is deleted. */
export const RECORD_KEEP_FILES = 4;
/** Recorded lines are written in batches of about this size (one write per MB, not per line)... */
export const RECORD_FLUSH_BYTES = 1024 * 1024;
/** ...or this long after the first waited, so a quiet tail's lines reach the disk soon. */
export const RECORD_FLUSH_MS = 200;
