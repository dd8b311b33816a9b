// A revert puts a whole file back; a protected setting (a token a person rotated during the run) must not go with it.
import { carryOverText } from '../doctor/protected-settings.js';
import { redactedPlaceholders } from '../doctor/redacted-placeholders.js';
import { parseConfigText, type ConfigFormat } from '../platform/config-file.js';

/** The config whose protected settings a revert keeps as they are now (recorded with the run: agent-run.json). */
export interface KeepProtected {
  path: string;
  patterns: string[];
  format: ConfigFormat;
}

/**
 * The pre-run bytes with the protected values the file holds now written in (its text and comments kept). Nothing is
 * carried when either text does not parse (nothing known to keep), when they already agree, or when a value carried
 * would be a redacted placeholder.
 */
export function withCurrentProtected(was: Buffer, now: Buffer | undefined, keep: KeepProtected): { bytes: Buffer; carried: string[] } {
  if (now === undefined || keep.patterns.length === 0) return { bytes: was, carried: [] };
  const wasText = was.toString('utf8');
  const before = parseConfigText(wasText, keep.format);
  const nowText = now.toString('utf8');
  const after = parseConfigText(nowText, keep.format);
  if (!before.ok || !after.ok) return { bytes: was, carried: [] };
  const co = carryOverText(wasText, before.value, after.value, keep.patterns, keep.format, { sourceText: nowText });
  // A mask where a secret was ("[REDACTED]", as an agent sees the config) is no setting of anyone's: the pre-run file goes back whole.
  if (redactedPlaceholders(co.value).length > redactedPlaceholders(before.value).length) return { bytes: was, carried: [] };
  return co.carried.length > 0 ? { bytes: Buffer.from(co.text), carried: co.carried } : { bytes: was, carried: [] };
}
