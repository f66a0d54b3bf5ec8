import { LOG_TYPE_ROWS } from './log-types-data';

export interface LogType {
  code: string;
  name: string;
  description: string;
  severity: string;
  /** 0 debug, 1 info, 2 warning, 3 error, 4 critical. */
  level: number;
  category: string;
}

export const LOG_TYPES: ReadonlyMap<string, LogType> = new Map(
  LOG_TYPE_ROWS.map(([code, name, description, severity, level, category]) => [
    code,
    { code, name, description, severity, level, category },
  ]),
);

export const LEVEL_NAMES = ['debug', 'info', 'warning', 'error', 'critical'] as const;

export function describeLogType(code: string): string {
  const t = LOG_TYPES.get(code);
  if (!t) return code;
  return t.description ? `${t.name} (${t.description})` : t.name;
}
