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
 * `  scheme: Bearer`): their values are shown.
 */
const PLAIN_KEY = /^(?:user|username|user_name|login|email|name|host|hostname|port|pid|type|kind|mode|scheme|algorithm|alg|enabled|expires|expires_at|ttl|timeout|created|created_at|updated_at)$/i;

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
  if (!entry) return redactValue(line.slice(indent).trim()) ? line.slice(0, indent) + redacted : line;
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
