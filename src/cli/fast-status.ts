// `clawback status` is the command people (and scripts) type most: this reads its few options without commander,
// so the CLI answers without loading the command tree (issue 19: status vs `pm2 jlist`).
import type { GlobalOpts } from './client.js';

export interface FastStatus extends GlobalOpts {
  json: boolean;
}

/**
 * `status` with only `--json`, `-c/--config FILE` and `--state-dir DIR` (also in the `--opt=value` form), in any order
 * commander accepts; null for anything else (help, a typo, `--`, a repeated option), which then goes through commander
 * with its usual answers.
 */
export function parseFastStatus(args: readonly string[]): FastStatus | null {
  const out: FastStatus = { json: false };
  let seenStatus = false;
  const seen = new Set<string>();
  const once = (name: string): boolean => {
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === '-c' || flag === '--config' || flag === '--state-dir') {
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || value === '' || value.startsWith('-') || !once(flag === '-c' ? '--config' : flag)) return null;
      if (flag === '--state-dir') out.stateDir = value;
      else out.config = value;
      continue;
    }
    if (a === '--json' && seenStatus && once(a)) {
      out.json = true;
      continue;
    }
    if (a === 'status' && !seenStatus) {
      seenStatus = true;
      continue;
    }
    return null;
  }
  return seenStatus ? out : null;
}
