// A secret key whose value is a mapping or list on the same line (`{"password": {"x": 5}}`, `token: ["a", "b"]`): its
// values are the secret, its keys and what describes it kept, as redactDeep does for the same object.
import { NUMBER, isPlainKey, keepsNumbers } from './redact-nested.js';

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
/** Characters that end a bare word in a flow mapping or list (and a key's `:` before one of them). */
const ENDS_WORD = new Set([' ', '\t', '\r', '\n', ',', '{', '}', '[', ']', '"', "'"]);

/** A structure under a secret key left open at a line's end is read on at most this many lines after it. */
const MAX_STRUCTURE_LINES = 256;

/**
 * A mapping or list under a secret key still open at a line's end (`"token": ["a",` then `"b"]`): how deep, the key
 * whose value comes next, the value test, the opening line's indentation and how far it has been read (bounded).
 */
export interface OpenStructure {
  depth: number;
  pendingKey: string | undefined;
  isValue: (v: string) => boolean;
  indent: number;
  lines: number;
  chars: number;
  /** A quoted value still open at the line's end (`"v": "abc` then `def"}`): its quote, and whether it is shown. */
  quote?: OpenQuote;
}

/** A quoted value that runs on past a line's end: its quote (maybe escaped) and whether its text is shown. */
interface OpenQuote {
  mark: string;
  shown: boolean;
}

/** Where redactStructure stopped: its text, its end, and what is still open there (depth 0: closed or cut). */
interface Read {
  out: string;
  end: number;
  depth: number;
  pendingKey: string | undefined;
  quote?: OpenQuote;
}

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
    const isValue = valueTest(key, kind, looksLikeCredential);
    // A template reference (`{{ vault_pw }}`, `${DB_PASS}`) names where the secret comes from; it is none.
    if (TEMPLATE.test(text.slice(open, open + MAX_KEY + 8))) continue;
    const { out: body, end } = redactStructure(text, open, redacted, isValue, 0, undefined, undefined);
    // Glued to a word after its bracket (an LDAP hash's `{SSHA}abc`): no structure, the key patterns' value.
    if (end < text.length && /[^\s,;}\])"'\\]/.test(text[end]!)) continue;
    out += text.slice(done, open) + body;
    done = end;
    OPENS.lastIndex = end;
  }
  return done === 0 ? text : out + text.slice(done);
}

/** What a value under `key` is tested with: flags, null and counts under a `...token` key stay (redactDeep's rule). */
function valueTest(key: string, kind: 'secret' | 'credential', looksLikeCredential: (v: string) => boolean): (v: string) => boolean {
  return (v) => !PLAIN_SCALAR.test(v) && !(NUMBER.test(v) && keepsNumbers(key)) && (kind === 'secret' || looksLikeCredential(v));
}

/**
 * The mapping or list under a secret key that `line` leaves open at its end (`"password": {"v": "abc",`), read from
 * `from`, or undefined. Only a line with a key's bracket is read further (per log line); a structure that closes, is cut
 * by an unclosed quote or by the bound, or is glued to a word, leaves nothing open.
 */
export function structureLeftOpen(line: string, from: number, indent: number, kindOf: KeyKind, looksLikeCredential: (v: string) => boolean): OpenStructure | undefined {
  if (!line.includes('{', from) && !line.includes('[', from)) return undefined;
  let left: OpenStructure | undefined;
  OPENS.lastIndex = from;
  for (let m = OPENS.exec(line); m; m = OPENS.exec(line)) {
    const key = keyBefore(line, m.index, from);
    const kind = key === undefined ? undefined : kindOf(key);
    if (!kind || key === undefined) continue;
    const open = m.index + m[0].length - 1;
    const isValue = valueTest(key, kind, looksLikeCredential);
    if (TEMPLATE.test(line.slice(open, open + MAX_KEY + 8))) continue;
    const read = redactStructure(line, open, '', isValue, 0, undefined, undefined);
    if (read.depth > 0 && read.end === line.length) left = { depth: read.depth, pendingKey: read.pendingKey, isValue, indent, lines: 0, chars: read.end - open, quote: read.quote };
    OPENS.lastIndex = Math.max(read.end, open + 1);
  }
  return left;
}

/**
 * The next line of a structure left open (structureLeftOpen): its values redacted up to where the structure closes, and
 * what is still open at its end (undefined once closed, cut, or past the bound). A line that is no continuation (no
 * more indented than the key's line, and not starting with a quote or a closing bracket: the next log line) ends it.
 * Inside a quoted value left open, the line goes on with that value whether indented or not, if it is more indented or
 * holds the closing quote: the read stopped at the line's end and the values after the string were shown.
 */
export function continueStructure(line: string, open: OpenStructure, redacted: string): { text: string; end: number; open: OpenStructure | undefined } | undefined {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  const first = line[i];
  if (open.quote) {
    if (i <= open.indent && !line.includes(open.quote.mark)) return undefined;
    i = 0;
  } else if (i <= open.indent && first !== '"' && first !== "'" && first !== '}' && first !== ']') return undefined;
  const read = redactStructure(line, i, redacted, open.isValue, open.depth, open.pendingKey, open.quote);
  const lines = open.lines + 1;
  const chars = open.chars + read.end;
  const still = read.depth > 0 && read.end === line.length && lines < MAX_STRUCTURE_LINES && chars < MAX_STRUCTURE;
  return { text: line.slice(0, i) + read.out, end: read.end, open: still ? { ...open, depth: read.depth, pendingKey: read.pendingKey, lines, chars, quote: read.quote } : undefined };
}

/**
 * A template reference where a value goes (Jinja/Helm/Go `{{ vault_pw }}`), a bare name only: it says where the secret
 * comes from, not what it is. Read as a mapping, `password: {{ vault_pw }}` became `{{ [REDACTED] }}`. A default written
 * in it (`{{ x | default('y') }}`) is no bare name: read as before. (A shell's `${DB_PASS}`: redact.ts's ENV_REFERENCE.)
 */
const TEMPLATE = /^\{\{-?[ \t]*\.?[A-Za-z_][A-Za-z0-9_.]{0,63}[ \t]*-?\}\}/;

/** Where the quote `mark` opened before `from` closes (not escaped once more), or the line's end or `limit`. */
function quoteEnd(text: string, from: number, limit: number, mark: string): number {
  let k = from;
  while (k < limit && text[k] !== '\n' && !(text.startsWith(mark, k) && text[k - 1] !== '\\')) k++;
  return k;
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

/**
 * The structure opened at `start` (or, `depth` deep, going on there from the line before), redacted, where it ends (its
 * closing bracket, the line's end, or the bound) and how deep it still is there (0 when closed, cut by an unclosed
 * quote or by the bound).
 */
function redactStructure(
  text: string,
  start: number,
  redacted: string,
  isValue: (v: string) => boolean,
  openDepth: number,
  openKey: string | undefined,
  openQuote: OpenQuote | undefined,
): Read {
  const limit = Math.min(text.length, start + MAX_STRUCTURE);
  let out = '';
  let depth = openDepth;
  // The key just read, whose value comes next (undefined in a list, or once its value is read).
  let pendingKey = openKey;
  let j = start;
  if (openQuote) {
    // The rest of a quoted value from the line before: to its closing quote, or the whole line.
    const k = quoteEnd(text, j, limit, openQuote.mark);
    const closed = k < limit && text[k] !== '\n';
    const piece = text.slice(j, k);
    out += openQuote.shown || !piece ? piece : redacted;
    if (!closed) return { out, end: k, depth: k === limit && limit < text.length ? 0 : depth, pendingKey, quote: openQuote };
    out += openQuote.mark;
    j = k + openQuote.mark.length;
    pendingKey = undefined;
  }
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
      const k = quoteEnd(text, j + quote.length, limit, quote);
      const closed = k < limit && text[k] !== '\n';
      token = text.slice(j, closed ? k + quote.length : k);
      value = text.slice(j + quote.length, k);
      if (!closed) {
        // Open at the line's end (not cut by the bound): a value across lines, read on with the next line.
        const shown = (pendingKey !== undefined && isPlainKey(pendingKey)) || !isValue(value);
        out += shown ? token : `${quote}${redacted}`;
        const atLineEnd = k === text.length || text[k] === '\n';
        return { out, end: k, depth: atLineEnd ? depth : 0, pendingKey, quote: atLineEnd ? { mark: quote, shown } : undefined };
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
  // Cut by the bound (not the text's or the line's end): nothing is left open.
  return { out, end: j, depth: j === limit && limit < text.length && text[j] !== '\n' ? 0 : depth, pendingKey };
}
