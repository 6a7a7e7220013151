/** Why {@link isEnvRecord} refused a value, for the error that names the setting. */
export const ENV_RECORD_REASON = 'must be an object of strings (variable name to value), such as process.env';

/**
 * Whether a value can stand in for `process.env`: an object whose values are strings or `undefined`.
 * `process.env` itself passes (a plain-object check refuses it), and the object is kept as given, so
 * variables are read when used and later changes are seen.
 */
export function isEnvRecord(value: unknown): value is Record<string, string | undefined> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const v of Object.values(value)) if (v !== undefined && typeof v !== 'string') return false;
  return true;
}
