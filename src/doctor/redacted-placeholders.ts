// A config holding a redacted placeholder ("***", "[redacted]") where a secret was is a display copy, not a config:
// recording or restoring it would replace the user's secret with the mask (a guessable gateway token).

/** Paths whose values are secrets (the rule OpenClaw applies before promoting a copy to last-known-good). */
const SENSITIVE_PATH = /(^|\.)(api[-_]?key|auth|bearer|credential|password|private[-_]?key|secret|token)(\.|$)/i;

/** A value a redactor put where a secret was: a whole mask, or a shortened secret ("sk-ab...yz") at a secret's path. */
function isPlaceholder(value: string, at: string): boolean {
  const t = value.trim();
  if (t === '***' || t.toLowerCase() === '[redacted]') return true;
  return SENSITIVE_PATH.test(at) && (t.includes('...') || t.includes('…'));
}

/** Dotted paths (array items as [i]) of every redacted placeholder in a parsed config, in document order. */
export function redactedPlaceholders(value: unknown, at = ''): string[] {
  if (typeof value === 'string') return isPlaceholder(value, at) ? [at || '<root>'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => redactedPlaceholders(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => redactedPlaceholders(v, at ? `${at}.${k}` : k));
  }
  return [];
}
