import type { ApiError, ErrorCode } from '../../common/contract/common';

/** The one error type handlers throw; the dispatcher turns it into the contract's `{code, message, detail}`. */
export class HostError extends Error {
  readonly code: ErrorCode;
  readonly detail: unknown;
  constructor(code: ErrorCode, message: string, detail?: unknown) {
    super(message);
    this.name = 'HostError';
    this.code = code;
    this.detail = detail;
  }
  toApiError(): ApiError {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

export const isHostError = (e: unknown): e is HostError => e instanceof HostError;

/** Plain words for a zod failure: "url: Cluster URL must be ..." one issue per line. */
export function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('\n');
}

/** The first issues with their paths as strings, for the renderer to label (JSON-safe, no input values). */
export const issuesOf = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
  issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message }));
