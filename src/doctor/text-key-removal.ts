// Editing a config's own text (JSON, JSON5, YAML): removing a key or setting a value, so a least-change repair keeps the
// user's comments and layout.
import { createRequire } from 'node:module';
import { parseConfigText, type ConfigFormat } from '../platform/config-file.js';
import { sameValue, splitPath } from './config-paths.js';

const load = createRequire(import.meta.url);
const json5 = (): typeof import('json5') => load('json5') as typeof import('json5');
const yaml = (): typeof import('yaml') => load('yaml') as typeof import('yaml');

interface Member {
  name: string;
  /** Where the key starts and the value ends. */
  start: number;
  valueStart: number;
  valueEnd: number;
  /** Just after the comma that follows the member, if one does. */
  commaEnd?: number;
}

class Scan {
  constructor(private readonly t: string) {}

  /** Skips whitespace and comments. */
  ws(i: number): number {
    const t = this.t;
    for (;;) {
      if (i < t.length && /[\s\uFEFF]/.test(t[i]!)) i++;
      else if (t.startsWith('//', i)) {
        const n = t.indexOf('\n', i);
        i = n < 0 ? t.length : n + 1;
      } else if (t.startsWith('/*', i)) {
        const n = t.indexOf('*/', i + 2);
        if (n < 0) throw new Error('unterminated comment');
        i = n + 2;
      } else return i;
    }
  }

  string(i: number): number {
    const q = this.t[i]!;
    for (let j = i + 1; j < this.t.length; j++) {
      if (this.t[j] === '\\') j++;
      else if (this.t[j] === q) return j + 1;
    }
    throw new Error('unterminated string');
  }

  /** The end of the value starting at i (after whitespace). */
  value(i: number): number {
    const c = this.t[i];
    if (c === '{') return this.object(i).end;
    if (c === '[') {
      let j = this.ws(i + 1);
      while (this.t[j] !== ']') {
        j = this.ws(this.value(j));
        if (this.t[j] === ',') j = this.ws(j + 1);
        else if (this.t[j] !== ']') throw new Error(`unexpected ${this.t[j]} in array`);
      }
      return j + 1;
    }
    if (c === '"' || c === "'") return this.string(i);
    let j = i;
    while (j < this.t.length && !/[\s,\]}/]/.test(this.t[j]!)) j++;
    if (j === i) throw new Error(`unexpected ${c ?? 'end'}`);
    return j;
  }

  object(i: number): { end: number; members: Member[] } {
    const members: Member[] = [];
    let j = this.ws(i + 1);
    while (this.t[j] !== '}') {
      const start = j;
      let keyEnd: number;
      if (this.t[j] === '"' || this.t[j] === "'") keyEnd = this.string(j);
      else {
        keyEnd = j;
        while (keyEnd < this.t.length && !/[\s:/]/.test(this.t[keyEnd]!)) keyEnd++;
      }
      const name = Object.keys(json5().parse(`{${this.t.slice(start, keyEnd)}:0}`) as object)[0]!;
      j = this.ws(keyEnd);
      if (this.t[j] !== ':') throw new Error('expected ":"');
      const valueStart = this.ws(j + 1);
      const valueEnd = this.value(valueStart);
      const m: Member = { name, start, valueStart, valueEnd };
      j = this.ws(valueEnd);
      if (this.t[j] === ',') {
        m.commaEnd = j + 1;
        j = this.ws(j + 1);
      } else if (this.t[j] !== '}') throw new Error(`unexpected ${this.t[j] ?? 'end'} in object`);
      members.push(m);
    }
    return { end: j + 1, members };
  }
}

/** [from, to) widened to whole lines when the member has its lines to itself (its own trailing comment goes with it). */
function widenToLines(t: string, from: number, to: number): [number, number] {
  const lineStart = t.lastIndexOf('\n', from - 1) + 1;
  const rest = /^[ \t]*(\/\/[^\n]*)?(\r?\n|$)/.exec(t.slice(to));
  if (/^[ \t]*$/.test(t.slice(lineStart, from)) && rest) return [lineStart, to + rest[0].length];
  return [from, to + (/^[ \t]*/.exec(t.slice(to))?.[0].length ?? 0)];
}

/** Where a dotted path ends or stops in a JSON/JSON5 text: the object at that depth, and the index of the member named there. */
interface Descent {
  /** Where the object starts. */
  at: number;
  /** The path segment this object was searched for. */
  depth: number;
  members: Member[];
  /** -1: the object has no member of that name (the path stops here). */
  index: number;
}

/** Follows the path through nested objects to the member it names, or to the deepest object it reaches; undefined when a value on the way is not an object. */
function descend(text: string, segs: readonly string[]): Descent | undefined {
  const s = new Scan(text);
  let at = s.ws(0);
  for (let d = 0; d < segs.length; d++) {
    if (text[at] !== '{') return undefined;
    const { members } = s.object(at);
    // A name written twice: the last is the one read (JSON.parse, JSON5), so it is the one followed and edited.
    const index = members.findLastIndex((m) => m.name === segs[d]);
    if (index >= 0 && d < segs.length - 1) {
      at = members[index]!.valueStart;
      continue;
    }
    return { at, depth: d, members, index };
  }
  return undefined;
}

function removeJsonKey(text: string, segs: readonly string[], format: 'json' | 'json5'): string | undefined {
  const found = descend(text, segs);
  if (!found || found.index < 0) return undefined;
  const { members, index: idx } = found;
  const m = members[idx]!;
  if (m.commaEnd !== undefined) {
    const [a, b] = widenToLines(text, m.start, m.commaEnd);
    return text.slice(0, a) + text.slice(b);
  }
  const [a, b] = widenToLines(text, m.start, m.valueEnd);
  let out = text.slice(0, a) + text.slice(b);
  // The last member, written without a trailing comma: the previous member's comma goes too (strict JSON allows none;
  // in JSON5 it would be a stray `{ mode: "local", port: 18789, }` the user never wrote). A comment after it stays.
  const prev = members[idx - 1];
  if (prev?.commaEnd !== undefined) out = out.slice(0, prev.commaEnd - 1) + out.slice(prev.commaEnd);
  return out;
}

/** The YAML text without the block-map key at segs (its lines cut, every other byte kept), or undefined when it has no lines of its own. */
function removeYamlKey(text: string, segs: readonly string[]): string | undefined {
  const Y = yaml();
  const doc = Y.parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const parent = segs.length === 1 ? doc.contents : doc.getIn(segs.slice(0, -1), true);
  if (!Y.isMap(parent) || parent.flow) return undefined;
  const pair = parent.items.find((p) => Y.isScalar(p.key) && String(p.key.value) === segs.at(-1));
  const from = Y.isNode(pair?.key) ? pair.key.range?.[0] : undefined;
  const to = Y.isNode(pair?.value) ? pair.value.range?.[2] : undefined;
  if (from === undefined || to === undefined) return undefined;
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  if (!/^[ \t]*$/.test(text.slice(lineStart, from)) || (to < text.length && text[to - 1] !== '\n')) return undefined;
  return text.slice(0, lineStart) + text.slice(to);
}

/**
 * How a text rewritten whole is said, from its bytes: a YAML document printed anew keeps every comment it had (its
 * layout not), a text serialized anew keeps none. Said "comments and layout not kept" of a reprint that kept them all,
 * the user went looking for comments that were there.
 */
export function rewriteWords(before: string, after: string, format: ConfigFormat): string {
  return commentsKept(before, after, format) ? 'its layout not kept, every comment kept' : 'comments and layout not kept';
}

/** Whether every comment of a YAML text is in the other (as many times), and it had some. */
function commentsKept(before: string, after: string, format: ConfigFormat): boolean {
  if (format !== 'yaml') return false;
  const of = (t: string): string[] => {
    try {
      return [...new (yaml().Lexer)().lex(t)].filter((tok) => tok.startsWith('#')).map((tok) => tok.trimEnd());
    } catch {
      return [];
    }
  };
  const was = of(before);
  if (was.length === 0) return false;
  const now = of(after);
  for (const c of was) {
    const i = now.indexOf(c);
    if (i < 0) return false;
    now.splice(i, 1);
  }
  return true;
}

/** Told by an edit whose text could not be kept byte for byte: a YAML document printed anew (comments kept, layout not). */
export interface TextEditNote {
  reprinted?: boolean;
}

/**
 * The text with the keys at these dotted paths removed and nothing else touched (comments, order, quoting, layout), or
 * undefined when that cannot be done safely; the result is checked to parse to exactly `expected`.
 */
export function removeKeysFromText(text: string, paths: readonly string[], format: ConfigFormat, expected: unknown, said?: TextEditNote): string | undefined {
  let out: string | undefined = text;
  let reprinted = false;
  try {
    if (format === 'yaml') {
      // Cut from the text where each key has its own lines; else the document is printed anew (comments kept, layout not).
      let cut: string | undefined = text;
      for (const p of paths) cut = cut === undefined ? undefined : removeYamlKey(cut, splitPath(p));
      const reparsed = cut === undefined ? undefined : parseConfigText(cut, format);
      if (cut !== undefined && reparsed?.ok && sameValue(reparsed.value, expected)) out = cut;
      else {
        const doc = yaml().parseDocument(text);
        for (const p of paths) doc.deleteIn(splitPath(p));
        out = String(doc);
        reprinted = true;
      }
    } else {
      for (const p of paths) {
        // Every member of that name goes (a name written twice: the earlier one would be read once the last is cut).
        const segs = splitPath(p);
        out = removeJsonKey(out, segs, format);
        while (out !== undefined && (descend(out, segs)?.index ?? -1) >= 0 && (descend(out, segs)?.depth ?? -1) === segs.length - 1) out = removeJsonKey(out, segs, format);
        if (out === undefined) return undefined;
      }
    }
  } catch {
    return undefined;
  }
  const check = parseConfigText(out, format);
  if (!check.ok || !sameValue(check.value, expected)) return undefined;
  if (reprinted && said) said.reprinted = true;
  return out;
}

/** The indentation of the line holding position i, when only whitespace precedes i on it. */
function lineIndent(t: string, i: number): string | undefined {
  const lineStart = t.lastIndexOf('\n', i - 1) + 1;
  const before = t.slice(lineStart, i);
  return /^[ \t]*$/.test(before) ? before : undefined;
}

/** A carried value's own text in the file it comes from: the member (key and value as written) and its value alone. */
export interface RawValue {
  member: string;
  value: string;
}

/**
 * The bytes of the member at `path` in a JSON/JSON5 `text` (its key and value as the user wrote them: quotes, escapes,
 * layout), when it is there and its value reads back as `value`.
 */
export function rawValueInText(text: string, path: string, value: unknown, format: ConfigFormat): RawValue | undefined {
  try {
    const segs = splitPath(path);
    if (format === 'yaml') return rawYamlScalar(text, segs, value);
    const found = descend(text, segs);
    if (!found || found.index < 0 || found.depth !== segs.length - 1) return undefined;
    const m = found.members[found.index]!;
    const raw = { member: text.slice(m.start, m.valueEnd), value: text.slice(m.valueStart, m.valueEnd) };
    // An object over several lines carries the user's indent, not the copy's: written in the copy's layout instead.
    if (text[m.valueStart] === '{' && /[\r\n]/.test(raw.value)) return undefined;
    const back = format === 'json' ? (JSON.parse(raw.value) as unknown) : (json5().parse(raw.value) as unknown);
    return sameValue(back, value) ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** A YAML scalar's own bytes (plain, quoted), when it is on one line and reads back as `value` after a key. */
function rawYamlScalar(text: string, segs: readonly string[], value: unknown): RawValue | undefined {
  const Y = yaml();
  const doc = Y.parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const node = doc.getIn(segs, true);
  if (!Y.isScalar(node) || !node.range) return undefined;
  const raw = text.slice(node.range[0], node.range[1]);
  if (/[\r\n]/.test(raw) || !sameValue((Y.parse(`k: ${raw}`) as { k: unknown }).k, value)) return undefined;
  return { member: `${String(segs.at(-1))}: ${raw}`, value: raw };
}

/** A map as a YAML flow map on one line (`{ source: env, id: GW_TOKEN }`), its members nested the same way. */
function yamlFlowMap(value: Record<string, unknown>): string {
  const key = (k: string): string => (/^[A-Za-z_][\w-]*$/.test(k) ? k : JSON.stringify(k));
  const one = (v: unknown): string => (typeof v === 'object' && v !== null && !Array.isArray(v) ? yamlFlowMap(v as Record<string, unknown>) : v !== null && typeof v === 'object' ? JSON.stringify(v) : yamlScalar(v));
  const members = Object.entries(value).map(([k, v]) => `${key(k)}: ${one(v)}`);
  return members.length === 0 ? '{}' : `{ ${members.join(', ')} }`;
}

/** A YAML scalar on one line, in the given style where it can be (plain, single or double quoted), else JSON's (YAML's too). */
function yamlScalar(value: unknown, type?: string): string {
  const Y = yaml();
  try {
    const opts = type === 'PLAIN' || type === 'QUOTE_SINGLE' || type === 'QUOTE_DOUBLE' ? { defaultStringType: type as 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' } : {};
    const out = Y.stringify(value, { ...opts, lineWidth: 0 }).replace(/\n$/, '');
    if (!/[\r\n]/.test(out) && sameValue((Y.parse(`k: ${out}`) as { k: unknown }).k, value)) return out;
  } catch {
    // JSON's below
  }
  return JSON.stringify(value);
}

/** How a JSON/JSON5 text writes its members: key quoting, string quotes, the space after a colon, trailing commas. */
interface JsonStyle {
  keyQuote: '' | '"' | "'";
  strQuote: '"' | "'";
  colon: string;
}

function jsonStyle(text: string, members: readonly Member[], format: 'json' | 'json5'): JsonStyle {
  if (format === 'json') return { keyQuote: '"', strQuote: '"', colon: /:([ \t]*)$/.exec(members.at(-1) ? text.slice(members.at(-1)!.start, members.at(-1)!.valueStart) : '')?.[1] === '' ? ':' : ': ' };
  // This object's members first, then the top level's.
  let all: Member[] = [...members];
  try {
    const s = new Scan(text);
    const top = s.ws(0);
    if (text[top] === '{') all = [...all, ...s.object(top).members];
  } catch {
    // this object's alone
  }
  const first = all[0];
  const k = first ? text[first.start] : undefined;
  const keyQuote = k === '"' || k === "'" ? k : first ? '' : '"';
  const str = all.find((m) => text[m.valueStart] === '"' || text[m.valueStart] === "'");
  const strQuote = str ? (text[str.valueStart] as '"' | "'") : (firstStringQuote(text) ?? (keyQuote === "'" ? "'" : '"'));
  const colon = first ? (/:([ \t]*)$/.exec(text.slice(first.start, first.valueStart))?.[1] ?? ' ') : ' ';
  return { keyQuote, strQuote, colon: `:${colon}` };
}

/** The quote of the first string value in a JSON5 text (depth first), if it has one. */
function firstStringQuote(text: string): '"' | "'" | undefined {
  try {
    const s = new Scan(text);
    const walk = (at: number): '"' | "'" | undefined => {
      for (const m of s.object(at).members) {
        const c = text[m.valueStart];
        if (c === '"' || c === "'") return c;
        if (c === '{') {
          const q = walk(m.valueStart);
          if (q) return q;
        }
      }
      return undefined;
    };
    const top = s.ws(0);
    return text[top] === '{' ? walk(top) : undefined;
  } catch {
    return undefined;
  }
}

function jsonKey(seg: string, st: JsonStyle, format: 'json' | 'json5'): string {
  if (format === 'json') return JSON.stringify(seg);
  if (st.keyQuote === '' && /^[A-Za-z_$][\w$]*$/.test(seg)) return seg;
  return json5().stringify(seg, { quote: st.keyQuote || st.strQuote });
}

/**
 * A value in the file's style; an object (a SecretRef carried whole) in its key quoting and string quotes too, on
 * lines of their own at `lines.indent` plus its step (or inline when the object it goes into is inline).
 */
function jsonValue(value: unknown, st: JsonStyle, format: 'json' | 'json5', lines?: { indent: string; step: string; eol: string; trail: string }): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const key = (k: string): string => `${jsonKey(k, st, format)}${st.colon}`;
    if (!lines) return `{ ${entries.map(([k, v]) => `${key(k)}${jsonValue(v, st, format)}`).join(', ')} }`;
    const inner = `${lines.indent}${lines.step}`;
    const body = entries.map(([k, v]) => `${inner}${key(k)}${jsonValue(v, st, format, { ...lines, indent: inner })}`);
    return `{${lines.eol}${body.join(`,${lines.eol}`)}${lines.trail}${lines.eol}${lines.indent}}`;
  }
  return format === 'json5' && typeof value === 'string' ? json5().stringify(value, { quote: st.strQuote }) : JSON.stringify(value);
}

/** The space a JSON/JSON5 text writes inside the braces of its one-line objects (its first such object's), none when it has none (as before). */
function inlineBracePad(text: string): string {
  try {
    const s = new Scan(text);
    const walk = (at: number): string | undefined => {
      const { end, members } = s.object(at);
      if (members.length > 0 && !/[\r\n]/.test(text.slice(at, end))) return text[at + 1] === ' ' ? ' ' : '';
      for (const m of members) {
        if (text[m.valueStart] !== '{') continue;
        const p = walk(m.valueStart);
        if (p !== undefined) return p;
      }
      return undefined;
    };
    const top = s.ws(0);
    return (text[top] === '{' ? walk(top) : undefined) ?? '';
  } catch {
    return '';
  }
}

/** The leading whitespace of the line holding position i. */
function leadingOfLine(t: string, i: number): string {
  const lineStart = t.lastIndexOf('\n', i - 1) + 1;
  return /^[ \t]*/.exec(t.slice(lineStart))![0];
}

function setJsonValue(text: string, segs: readonly string[], value: unknown, format: 'json' | 'json5', raw?: RawValue): string | undefined {
  const found = descend(text, segs);
  if (!found) return undefined;
  const { at, depth: d, members } = found;
  const m = members[found.index];
  const last = members.at(-1);
  const indent = last ? lineIndent(text, last.start) : undefined;
  // A new line ends like the line it follows (a CRLF file stays CRLF throughout).
  const nl = text.indexOf('\n', last?.start ?? at);
  const eol = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  const outer = leadingOfLine(text, at);
  const step = indent !== undefined && indent.startsWith(outer) && indent.length > outer.length ? indent.slice(outer.length) : '  ';
  const trail = format === 'json5' && last?.commaEnd !== undefined && /^\s*}/.test(text.slice(last.commaEnd).replace(/^(\s*(\/\/[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '')) ? ',' : '';
  if (m) {
    // A value replaced where it stands: a scalar the user turned into an object (a SecretRef) in the file's style.
    const lines = indent !== undefined ? { indent: lineIndent(text, m.start) ?? indent, step, eol, trail } : undefined;
    const v = raw?.value ?? (typeof value === 'object' && value !== null && !Array.isArray(value) ? jsonValue(value, jsonStyle(text, members, format), format, lines) : JSON.stringify(value));
    return text.slice(0, m.valueStart) + v + text.slice(m.valueEnd);
  }
  // Missing here: a new member holding the rest of the path, after the object's last member (in its layout), in the
  // user's own bytes where the value comes from their file. The objects it needs are written as the file writes its
  // own: its key quoting and string quotes, its colon, on lines of their own in its indent step (or inline, as this object is).
  let member: string;
  if (raw && d === segs.length - 1) member = raw.member;
  else {
    const st = jsonStyle(text, members, format);
    const key = (seg: string): string => `${jsonKey(seg, st, format)}${st.colon}`;
    const rest = segs.slice(d + 1);
    const leaf = raw?.value ?? jsonValue(value, st, format, indent !== undefined ? { indent: `${indent}${step.repeat(rest.length)}`, step, eol, trail } : undefined);
    // The key itself is what is missing: one member, its value as it is.
    if (rest.length === 0) member = `${key(segs[d]!)}${leaf}`;
    else if (indent !== undefined) {
      let body = `${indent}${step.repeat(rest.length)}${key(rest.at(-1)!)}${leaf}${trail}`;
      for (let i = rest.length - 2; i >= 0; i--) body = `${indent}${step.repeat(i + 1)}${key(rest[i]!)}{${eol}${body}${eol}${indent}${step.repeat(i + 1)}}${trail}`;
      member = `${key(segs[d]!)}{${eol}${body}${eol}${indent}}`;
    } else {
      const pad = text[at + 1] === ' ' || members.length === 0 ? ' ' : '';
      let v = leaf;
      for (const seg of [...rest].reverse()) v = `{${pad}${key(seg)}${v}${pad}}`;
      member = `${key(segs[d]!)}${v}`;
    }
  }
  if (!last) {
    // An empty object: the member inside it as its braces are spaced (`{ }` -> `{ token: "x" }`), or on a line of its own.
    const close = new Scan(text).object(at).end - 1;
    const inner = text.slice(at + 1, close);
    if (!/^[ \t]*$/.test(inner)) return `${text.slice(0, at + 1)}${member}${text.slice(at + 1)}`;
    // `{}` spaced as the file's other one-line objects are (`{ enabled: true }` -> `{ token: 'x' }`, not `{token: 'x'}`).
    const pad = inner === '' ? inlineBracePad(text) : inner;
    return `${text.slice(0, at + 1)}${pad}${member}${pad}${text.slice(close)}`;
  }
  const sep = indent === undefined ? ' ' : `${eol}${indent}`;
  if (last.commaEnd !== undefined) return `${text.slice(0, last.commaEnd)}${sep}${member},${text.slice(last.commaEnd)}`;
  return `${text.slice(0, last.valueEnd)},${sep}${member}${text.slice(last.valueEnd)}`;
}

/** The YAML text with the scalar at segs replaced by value (a scalar too) in its own bytes, or undefined when there is no such scalar. */
function setYamlScalar(text: string, segs: readonly string[], value: unknown, raw?: RawValue): string | undefined {
  // A map where the copy has a scalar (a token the user turned into a SecretRef) takes the scalar's place as a flow map.
  const map = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (value !== null && !map && !['string', 'number', 'boolean'].includes(typeof value)) return undefined;
  const Y = yaml();
  const doc = Y.parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const node = doc.getIn(segs, true);
  if (!Y.isScalar(node) || !node.range) return undefined;
  const [start, end] = node.range;
  // The user's own bytes where they come from their file, else in the style of the scalar replaced (plain, quoted).
  if (map) return text.slice(0, start) + (raw?.value ?? yamlFlowMap(value as Record<string, unknown>)) + text.slice(end);
  return text.slice(0, start) + (raw?.value ?? yamlScalar(value, node.type)) + text.slice(end);
}

/**
 * The YAML text with a key missing from a block map added as one new line after that map's last entry (in its indent
 * and line ending, the value in JSON flow style), or undefined when the key is there or the map is not such a block.
 */
function insertYamlKey(text: string, segs: readonly string[], value: unknown, raw?: RawValue): string | undefined {
  const Y = yaml();
  const doc = Y.parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  let node: unknown = doc.contents;
  let d = 0;
  for (; d < segs.length - 1; d++) {
    const next: unknown = Y.isMap(node) ? node.get(segs[d], true) : undefined;
    if (!Y.isMap(next)) break;
    node = next;
  }
  if (!Y.isMap(node)) return undefined;
  const there: unknown = node.get(segs[d], true);
  if (Y.isScalar(there) && there.range && d < segs.length - 1) {
    // The copy has a scalar where the path needs a map (`token: tok-old`, the user's a SecretRef): the scalar's bytes
    // become a flow map holding the rest of the path (the next members join its braces), every other byte kept.
    const fkey = (seg: string): string => (/^[A-Za-z_][\w-]*$/.test(seg) ? seg : JSON.stringify(seg));
    let v = raw?.value ?? (value === null || typeof value !== 'object' ? yamlScalar(value) : JSON.stringify(value));
    for (const seg of segs.slice(d + 2).reverse()) v = `{ ${fkey(seg)}: ${v} }`;
    return `${text.slice(0, there.range[0])}{ ${fkey(segs[d + 1]!)}: ${v} }${text.slice(there.range[1])}`;
  }
  if (node.flow && node.items.length === 0 && node.range && text[node.range[0]] === '{' && text[node.range[1] - 1] === '}') {
    // An empty flow map (`auth: {}`): the member inside its braces.
    const fkey = (seg: string): string => (/^[A-Za-z_][\w-]*$/.test(seg) ? seg : JSON.stringify(seg));
    let v = raw?.value ?? (value === null || typeof value !== 'object' ? yamlScalar(value) : JSON.stringify(value));
    for (const seg of segs.slice(d + 1).reverse()) v = `{ ${fkey(seg)}: ${v} }`;
    return `${text.slice(0, node.range[0])}{ ${fkey(segs[d]!)}: ${v} }${text.slice(node.range[1])}`;
  }
  if (node.items.length === 0 || node.has(segs[d])) return undefined;
  const first = node.items[0]!.key;
  const last = node.items.at(-1)!;
  const lastNode = Y.isNode(last.value) ? last.value : Y.isNode(last.key) ? last.key : undefined;
  if (!Y.isNode(first) || !first.range || !lastNode?.range) return undefined;
  if (node.flow) {
    // A flow map (`auth: { token: x }`): the member after its last one, in the map's own braces (the document printed
    // anew lost its BOM, CRLF, indent and comment spacing, unsaid).
    const fkey = (seg: string): string => (/^[A-Za-z_][\w-]*$/.test(seg) ? seg : JSON.stringify(seg));
    let v = raw?.value ?? (value === null || typeof value !== 'object' ? yamlScalar(value) : JSON.stringify(value));
    for (const seg of segs.slice(d + 1).reverse()) v = `{ ${fkey(seg)}: ${v} }`;
    const end = lastNode.range[1];
    return `${text.slice(0, end)}, ${fkey(segs[d]!)}: ${v}${text.slice(end)}`;
  }
  const indent = lineIndent(text, first.range[0]);
  if (indent === undefined) return undefined;
  const nl = text.indexOf('\n', Math.max(lastNode.range[1] - 1, 0));
  const eol = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  // The maps the path still needs are block maps on lines of their own in the file's indent step, the value a YAML
  // scalar (the user's own bytes where they come from their file), not JSON flow.
  const key = (seg: string): string => (/^[A-Za-z_][\w-]*$/.test(seg) ? seg : JSON.stringify(seg));
  const leaf = raw?.value ?? (value === null || typeof value !== 'object' ? yamlScalar(value) : JSON.stringify(value));
  const step = yamlIndentStep(text, doc.contents, indent);
  const rest = segs.slice(d);
  const line = rest.map((seg, i) => `${indent}${step.repeat(i)}${key(seg)}:${i === rest.length - 1 ? ` ${leaf}` : ''}`).join(eol);
  return nl < 0 ? `${text}${eol}${line}` : `${text.slice(0, nl + 1)}${line}${eol}${text.slice(nl + 1)}`;
}

/** The indent a YAML text nests its block maps by (the first nested map's, under `indent`), two spaces when it has none. */
function yamlIndentStep(text: string, root: unknown, indent: string): string {
  const Y = yaml();
  const seen: unknown[] = [root];
  while (seen.length > 0) {
    const node = seen.shift();
    if (!Y.isMap(node) || node.flow) continue;
    const outer = Y.isNode(node.items[0]?.key) && node.items[0].key.range ? lineIndent(text, node.items[0].key.range[0]) : undefined;
    for (const p of node.items) {
      if (!Y.isMap(p.value) || p.value.flow || p.value.items.length === 0) continue;
      const k = p.value.items[0]!.key;
      const inner = Y.isNode(k) && k.range ? lineIndent(text, k.range[0]) : undefined;
      if (outer !== undefined && inner !== undefined && inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
      seen.push(p.value);
    }
  }
  return indent.includes('\t') ? '\t' : '  ';
}

/**
 * The text with the values at these dotted paths set (replaced in place, or added as a member of the deepest object the
 * path reaches) and nothing else touched, or undefined when that cannot be done safely; the result is checked to parse to
 * exactly `expected`.
 */
export function setValuesInText(text: string, values: ReadonlyArray<{ path: string; value: unknown; raw?: RawValue }>, format: ConfigFormat, expected: unknown, said?: TextEditNote): string | undefined {
  let out: string | undefined = text;
  let reprinted = false;
  try {
    if (format === 'yaml') {
      // A scalar already there is replaced where it stands, a missing key added (every other byte kept); else the document is printed anew
      // (comments kept, layout, line endings and long lines not).
      let inPlace: string | undefined = text;
      // A missing key is added as one line in place, like a scalar replaced (the document printed anew lost its layout).
      for (const v of values) inPlace = inPlace === undefined ? undefined : (setYamlScalar(inPlace, splitPath(v.path), v.value, v.raw) ?? insertYamlKey(inPlace, splitPath(v.path), v.value, v.raw));
      const reparsed = inPlace === undefined ? undefined : parseConfigText(inPlace, format);
      if (inPlace !== undefined && reparsed?.ok && sameValue(reparsed.value, expected)) return inPlace;
      const doc = yaml().parseDocument(text);
      for (const v of values) doc.setIn(splitPath(v.path), v.value);
      out = String(doc);
      reprinted = true;
    } else {
      for (const v of values) {
        out = setJsonValue(out, splitPath(v.path), v.value, format, v.raw);
        if (out === undefined) return undefined;
      }
    }
  } catch {
    return undefined;
  }
  const check = parseConfigText(out, format);
  if (!check.ok || !sameValue(check.value, expected)) return undefined;
  if (reprinted && said) said.reprinted = true;
  return out;
}
