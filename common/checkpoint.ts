/**
 * A checkpoint is an Auth0 Management API log id: exactly 56 digits. One definition for the contract,
 * the export engine, its checkpoint files and the history parser, so they cannot drift apart.
 */
export const LOG_ID_DIGITS = 56;

/** A whole string that is a log id. */
export const LOG_ID = /^\d{56}$/;

/** A log id inside a longer text (an error message that names where to replay from). */
export const LOG_ID_IN_TEXT = /\b\d{56}\b/;

export const isLogId = (s: unknown): s is string => typeof s === 'string' && LOG_ID.test(s);
