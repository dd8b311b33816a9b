// A mapping or list written under a secret key in plain text (YAML, pretty-printed JSON in a log): its values are the secret.

/** A nested entry: an indent, maybe a list dash, a key (maybe quoted) and its `:`, then the value to the line's end. */
const NESTED_ENTRY = /^([ \t]*(?:-[ \t]+)?(\\*["']?)[A-Za-z0-9_.$@-][^\s"':]{0,63}\2[ \t]*:)([ \t]*)(.*)$/;
/** A list item (`  - value`) under the key. */
const LIST_ITEM = /^([ \t]*-[ \t]+)(.*)$/;
/** Values that are no secret: no value set, a flag, the opening or closing of a nested mapping or list. */
const PLAIN_VALUE = /^(?:null|~|true|false|yes|no|on|off|undefined|[{[]|[}\]],?|\[REDACTED\],?|"\[REDACTED\]",?)?$/i;
/** A YAML block scalar's header or a comment: the value is on the lines below, or there is none. */
const NO_VALUE_HERE = /^(?:[|>][1-9+-]{0,2}[ \t]*(?:#.*)?|#.*)$/;

/**
 * Keys that describe a credential, not hold it (`credentials:` then `  user: bob`, `  port: 5432`, `authorization:` then
 * `  scheme: Bearer`): their values are shown. Not `name`: under a secret key it is as likely the secret itself
 * (`"password": {"name": "hunter2"}` showed hunter2 in logs, alerts, status and AI prompts).
 */
const PLAIN_KEY = /^(?:user|username|user_name|login|email|host|hostname|port|pid|type|kind|mode|scheme|algorithm|alg|enabled|expires|expires_at|ttl|timeout|created|created_at|updated_at)$/i;

/** Whether a key inside a secret's mapping describes it (PLAIN_KEY): the text and object paths keep the same values. */
export function isPlainKey(key: string): boolean {
  return PLAIN_KEY.test(key);
}

/** A number as JSON or YAML writes it: under a key whose last word is `token` it is a count, kept (redactDeep's rule). */
export const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

/** Whether a plain number is kept under this secret key: one whose last word is `token` (`fencingToken: 42`). */
export function keepsNumbers(key: string): boolean {
  return /token$/i.test(key);
}

/** A value test that keeps numbers (keepsNumbers), made once per mapping opened under such a key. */
export function sparingNumbers(redactValue: (v: string) => boolean): (v: string) => boolean {
  return (v) => !NUMBER.test(v) && redactValue(v);
}

/**
 * A secret key with a mapping or list opened at a line's end (`"password": {`, `secret: [`, `"token": [`): its entries
 * are on the lines below. The key, tested on the line's last 96 characters (bounded).
 */
const KEY_OPENS_AT_END = /(?:^|[^A-Za-z0-9_.-])\\*["']?([A-Za-z][A-Za-z0-9_.-]{0,63})\\*["']?[ \t]*[:=][ \t]*[{[]$/;

/** The key of a line ending in a key and an opening `{` or `[` (KEY_OPENS_AT_END), or undefined. */
export function keyOpeningAtEnd(line: string): string | undefined {
  // Most lines end in neither: no trimmed copy, no regex walk (per log line).
  const last = line[line.length - 1];
  if (last !== '{' && last !== '[' && last !== ' ' && last !== '\t' && last !== '\r') return undefined;
  const end = last === '{' || last === '[' ? line : line.trimEnd();
  if (!end.endsWith('{') && !end.endsWith('[')) return undefined;
  return KEY_OPENS_AT_END.exec(end.slice(-96))?.[1];
}

/** A list item of JSON written one a line (`"abc",`, `42`): the value, its quotes and a trailing comma. */
const BARE_ITEM = /^(\\*["'])(.*)\1(,?)$|^([^\s"',{}[\]]+)(,?)$/;

/** Whether a line (more indented than a secret key ending the line before) opens a mapping or a list under that key. */
export function opensNestedValue(line: string): boolean {
  return NESTED_ENTRY.test(line) || LIST_ITEM.test(line);
}

/**
 * One line inside a mapping or list under a secret key: the key kept, its value redacted (its quotes and a trailing comma
 * kept); a flag, null, `{`/`[` and block scalar headers stay. `redactValue` says whether a value is one (a credential
 * test under a key that only ends in `key`). Any other line (a block scalar's text) is the secret whole.
 */
export function redactNestedLine(line: string, indent: number, redacted: string, redactValue: (v: string) => boolean): string {
  const entry = NESTED_ENTRY.exec(line) ?? LIST_ITEM.exec(line);
  if (!entry) {
    const text = line.slice(indent).trim();
    // A closing bracket or a JSON list's item (`"abc",`): its quotes and comma kept, as an entry's are.
    if (PLAIN_VALUE.test(text)) return line;
    const item = BARE_ITEM.exec(text);
    if (item && !redactValue(item[2] ?? item[4]!.replace(/,$/, ''))) return line;
    if (item) return line.slice(0, indent) + (item[1] !== undefined ? `${item[1]}${redacted}${item[1]}${item[3]}` : `${redacted}${item[5]}`);
    return redactValue(text) ? line.slice(0, indent) + redacted : line;
  }
  const head = entry[1]!;
  const space = entry.length === 5 ? entry[3]! : '';
  if (entry.length === 5 && PLAIN_KEY.test(/([A-Za-z0-9_.$@-]+)\\*["']?[ \t]*:$/.exec(head)?.[1] ?? '')) return line;
  const raw = (entry.length === 5 ? entry[4]! : entry[2]!).trimEnd();
  if (PLAIN_VALUE.test(raw) || NO_VALUE_HERE.test(raw) || (entry.length !== 5 && opensNestedValue(raw))) return line;
  const quoted = /^(\\*["'])(.*)\1(,?)$/.exec(raw);
  const value = quoted ? quoted[2]! : raw.replace(/,$/, '');
  if (!redactValue(value)) return line;
  return quoted ? `${head}${space}${quoted[1]}${redacted}${quoted[1]}${quoted[3]}` : `${head}${space}${redacted}${raw.endsWith(',') ? ',' : ''}`;
}
