/** Values shorter than this are masked completely. */
const MIN_LENGTH_TO_SHOW = 16;

/** A short, non-secret type prefix such as `sk-`, `pk_` or `AK-`. */
const TYPE_PREFIX = /^[A-Za-z]{1,4}[-_]/;

/**
 * A secret shortened for display (settings screens, `--verbose` output): `sk-proj-…wxyz`. Shows at most
 * a short type prefix (`sk-`) and the last 4 characters, and only for values of 16 characters or more,
 * so less than half of any value is revealed. Shorter values become `…`; an empty or missing value
 * becomes `''`.
 */
export function maskSecret(value: string | undefined | null): string {
  if (!value) return '';
  if (value.length < MIN_LENGTH_TO_SHOW) return '…';
  const prefix = TYPE_PREFIX.exec(value)?.[0] ?? '';
  return `${prefix}…${value.slice(-4)}`;
}
