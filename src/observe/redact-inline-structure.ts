// A secret key whose value is a mapping or list on the same line (`{"password": {"x": 5}}`, `token: ["a", "b"]`): its
// values are the secret, its keys and what describes it kept, as redactDeep does for the same object.
import { isPlainKey, keepsNumbers } from './redact-nested.js';

/** A key's `:`/`=` followed by an opening bracket: the cheap scan that finds the candidates. */
const OPENS = /[:=][ \t]*[{[]/g;
/** A key's longest spelling (characters): a longer run of word characters is no key. */
const MAX_KEY = 64;
/** How far one structure is read (characters): past it, what is left is the other patterns'. */
const MAX_STRUCTURE = 16 * 1024;
/** A quote, maybe escaped by backslashes (JSON inside a JSON log line: `\"x\"`). */
const QUOTE = /\\*["']/y;
/** Values that are no secret: no value set, a flag, a redaction already made. */
const PLAIN_SCALAR = /^(?:null|~|true|false|yes|no|on|off|undefined|\[REDACTED\])$/i;
const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;
/** Characters that end a bare word in a flow mapping or list (and a key's `:` before one of them). */
const ENDS_WORD = new Set([' ', '\t', '\r', '\n', ',', '{', '}', '[', ']', '"', "'"]);

/** Whether a key's value is a secret (`secret`), a secret when it looks like one (`credential`), or neither. */
export type KeyKind = (key: string) => 'secret' | 'credential' | undefined;

/**
 * Every mapping or list written on one line under a secret key, its values redacted (strings keep their quotes); keys,
 * flags, null, values under a key that describes the credential (isPlainKey) and numbers under a key ending in `token`
 * stay. A value only looked over by `isValue` when the key only ends in `key` (`stripeKey: {live: "sk_live_..."}`).
 */
export function redactInlineStructures(text: string, redacted: string, kindOf: KeyKind, looksLikeCredential: (v: string) => boolean): string {
  if (!text.includes('{') && !text.includes('[')) return text;
  let out = '';
  let done = 0;
  OPENS.lastIndex = 0;
  for (let m = OPENS.exec(text); m; m = OPENS.exec(text)) {
    if (m.index < done) continue;
    const key = keyBefore(text, m.index, done);
    const kind = key === undefined ? undefined : kindOf(key);
    if (!kind || key === undefined) continue;
    const open = m.index + m[0].length - 1;
    // A value redacted already (`dbPass=[REDACTED]`) is no list.
    if (text.startsWith(redacted, open)) continue;
    const isValue = (v: string): boolean => !PLAIN_SCALAR.test(v) && !(NUMBER.test(v) && keepsNumbers(key)) && (kind === 'secret' || looksLikeCredential(v));
    const [body, end] = redactStructure(text, open, redacted, isValue);
    // Glued to a word after its bracket (an LDAP hash's `{SSHA}abc`): no structure, the key patterns' value.
    if (end < text.length && /[^\s,;}\])"'\\]/.test(text[end]!)) continue;
    out += text.slice(done, open) + body;
    done = end;
    OPENS.lastIndex = end;
  }
  return done === 0 ? text : out + text.slice(done);
}

/** A character of a key: a letter, a digit, `_`, `.` or `-`. */
function keyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}

/**
 * The key written just before `at` (its `:`/`=`), not before `from`: blanks, then a quote and backslashes, then a run of
 * key characters starting with a letter (`"password"`, `\"token\"`, `secret`). Walked back, no copy (per bracket).
 */
function keyBefore(text: string, at: number, from: number): string | undefined {
  let k = at;
  while (k > from && (text[k - 1] === ' ' || text[k - 1] === '\t')) k--;
  if (k > from && (text[k - 1] === '"' || text[k - 1] === "'")) k--;
  while (k > from && text[k - 1] === '\\') k--;
  const end = k;
  while (k > from && end - k <= MAX_KEY && keyChar(text.charCodeAt(k - 1))) k--;
  const len = end - k;
  if (len === 0 || len > MAX_KEY) return undefined;
  const first = text.charCodeAt(k);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90))) return undefined;
  return text.slice(k, end);
}

/** The structure opened at `start`, redacted, and where it ends (its closing bracket, the line's end, or the bound). */
function redactStructure(text: string, start: number, redacted: string, isValue: (v: string) => boolean): [string, number] {
  const limit = Math.min(text.length, start + MAX_STRUCTURE);
  let out = '';
  let depth = 0;
  // The key just read, whose value comes next (undefined in a list, or once its value is read).
  let pendingKey: string | undefined;
  let j = start;
  while (j < limit) {
    const c = text[j]!;
    if (c === '\n') break;
    if (c === '{' || c === '[') {
      depth++;
      pendingKey = undefined;
      out += c;
      j++;
      continue;
    }
    if (c === '}' || c === ']') {
      depth--;
      out += c;
      j++;
      if (depth === 0) break;
      continue;
    }
    if (c === ',' || c === ':' || c === ' ' || c === '\t' || c === '\r') {
      out += c;
      j++;
      continue;
    }
    QUOTE.lastIndex = j;
    const quote = c === '\\' || c === '"' || c === "'" ? QUOTE.exec(text)?.[0] : undefined;
    let token: string;
    let value: string;
    if (quote !== undefined) {
      // To the same quote not escaped once more (`"se\"cret"`); unclosed within the line and the bound, the rest is the value.
      let k = j + quote.length;
      while (k < limit && text[k] !== '\n' && !(text.startsWith(quote, k) && text[k - 1] !== '\\')) k++;
      const closed = k < limit && text[k] !== '\n';
      token = text.slice(j, closed ? k + quote.length : k);
      value = text.slice(j + quote.length, k);
      if (!closed) {
        j = k;
        out += isValue(value) ? `${quote}${redacted}` : token;
        break;
      }
    } else {
      let k = j;
      while (k < limit && !ENDS_WORD.has(text[k]!) && !(text[k] === ':' && (k + 1 >= limit || ENDS_WORD.has(text[k + 1]!)))) k++;
      token = text.slice(j, Math.max(k, j + 1));
      value = token;
    }
    j += token.length;
    let after = j;
    while (after < limit && (text[after] === ' ' || text[after] === '\t')) after++;
    if (text[after] === ':') {
      pendingKey = value;
      out += token;
      continue;
    }
    const shown = (pendingKey !== undefined && isPlainKey(pendingKey)) || !isValue(value);
    pendingKey = undefined;
    out += shown ? token : quote !== undefined ? `${quote}${redacted}${quote}` : redacted;
  }
  return [out, j];
}
