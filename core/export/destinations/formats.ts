import { LOG_TYPES } from '../log-types';

/**
 * `type_description` as the old extensions wrote it (auth0-log-extension-tools' `logTypes.get`):
 * the type's name, or `Unknown Log Type: <code>`.
 */
export function typeName(code: unknown): string {
  const t = typeof code === 'string' ? LOG_TYPES.get(code) : undefined;
  return t?.name ?? `Unknown Log Type: ${String(code)}`;
}
