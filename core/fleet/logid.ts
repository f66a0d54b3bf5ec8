/**
 * When a log was written, read from its 56-digit id. Two layouts are known:
 * - Auth0's: `900` + the UTC time as YYYYMMDDhhmmssSSS (e.g. `90020230726131118200…` is 2023-07-26 13:11:18.200,
 *   within seconds of the event's `date`);
 * - the local emulator's: `90020` + the time in ms since the epoch, 15 digits.
 * Anything else is undated (null): the fleet view then shows the checkpoint without a lag.
 */
import { isLogId } from '../../common/checkpoint';
export function logIdTime(id: string): number | null {
  if (!isLogId(id)) return null;
  const y = Number(id.slice(3, 7));
  const mo = Number(id.slice(7, 9));
  const d = Number(id.slice(9, 11));
  const h = Number(id.slice(11, 13));
  const mi = Number(id.slice(13, 15));
  const s = Number(id.slice(15, 17));
  const ms = Number(id.slice(17, 20));
  if (y >= 2010 && y <= 2100 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 59) {
    const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (new Date(t).getUTCDate() === d) return t;
  }
  if (id.startsWith('90020')) {
    const t = Number(id.slice(5, 20));
    // 2010-01-01 .. 2100-01-01: a plausible log time, not a sequence number.
    if (t >= 1_262_304_000_000 && t <= 4_102_444_800_000) return t;
  }
  return null;
}
