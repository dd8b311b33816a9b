// Why this exists: the usual Level 3 incident is a config no parser reads (a trailing comma, a half-made edit), and
// its secrets must stay out of the prompt and the model's tool results all the same: found here line by line.
import { mentionsSecret } from '../observe/secret-keys.js';

/** `key: value` / `"key": "value"` / `key = 'value'` / `KEY=value` (JSON, JSON5, YAML, TOML, env), one per match. */
const PAIR = /(?<![\w$-])(["']?)([A-Za-z_$][\w$-]*)\1[ \t]*[:=][ \t]*(?:"((?:[^"\\\r\n]|\\.)*)"|'([^'\r\n]*)'|([^\s"'{[,#}\]][^\r\n,#}\]]*))/g;

/** A JSON string's body as its value (`\"` and `\\` undone); as written when it is not valid JSON. */
function unescape(body: string): string {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return body;
  }
}

/** The values of the pairs of unparseable config text whose key mentions a secret (mentionsSecret), as a parse would find them. */
export function looseSecretValues(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PAIR)) {
    if (!mentionsSecret(m[2]!)) continue;
    const value = m[3] !== undefined ? unescape(m[3]) : (m[4] ?? m[5] ?? '').trim();
    if (value !== '') out.push(value);
  }
  return out;
}
