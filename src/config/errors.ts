// Config errors that name the field, the value found and what was expected.
import type { z } from 'zod';
import { mentionsSecret } from '../observe/secret-keys.js';
import { Redactor } from '../observe/redact.js';
import { knownKeysAt, nearestKey, unionKeysAt } from './known-keys.js';
import { ownerText, type ProblemOwner } from './problem-owners.js';

export interface ConfigProblem {
  path: string;
  message: string;
  value?: unknown;
  /** Where the value is in the file (1-based), when it came from one: see source-positions.ts. */
  line?: number;
  col?: number;
  /** For an unknown-key problem (reported on its map): the first unknown key, to point at it. */
  unknownKey?: string;
  /** The service, probe or channel the field belongs to, by name (see problem-owners.ts). */
  owner?: ProblemOwner;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${formatProblem(p, file)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out || '(top level)';
}

/**
 * The value as found, its secrets taken out before it is cut short: a token pasted in the wrong place (`command: sk-...`)
 * or a password under a key of a misplaced block (`cwd: {password: ...}`) was printed whole by `validate` and by
 * `run` at start (to the journal of systemd, a CI log), where only the daemon's own redactor had caught it.
 */
function preview(value: unknown): string {
  const text = JSON.stringify(new Redactor().redactDeep(value));
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Keys whose values are secrets (tokens, webhook URLs, header values): an error never echoes them whole. */
const HOLDS_SECRETS = /^(url|headers|env)$/i;

/** A field whose value must not be printed: a secret-looking key, a value under headers/env, or a message that says so. */
export function isSecretProblem(p: Pick<ConfigProblem, 'path' | 'message'>): boolean {
  if (/value not shown|may hold a secret|is a secret/i.test(p.message)) return true;
  const segments = p.path.split(/[.[\]]+/).filter(Boolean);
  return segments.some((seg) => HOLDS_SECRETS.test(seg) || mentionsSecret(seg));
}

/** A URL keeps its scheme and host (enough to recognise it); anything else is not shown at all. */
export function maskSecretValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const u = new URL(value);
    if (!u.host) return undefined;
    return `${u.protocol}//${u.host}/… (rest not shown: it may hold a secret)`;
  } catch {
    return undefined;
  }
}

/** ` (FILE:LINE:COL)`, the form editors and terminals open at the spot; empty when the problem has no position. */
function where(p: ConfigProblem, file: string | undefined): string {
  if (p.line === undefined) return '';
  const at = `${p.line}:${p.col ?? 1}`;
  return file && !file.startsWith('(') ? ` (${file}:${at})` : ` (line ${at})`;
}

export function formatProblem(p: ConfigProblem, file?: string): string {
  return `${p.owner ? `${ownerText(p.owner)}: ` : ''}${problemText(p)}${where(p, file)}`;
}

function problemText(p: ConfigProblem): string {
  // A message that says what it got (the duration and size parsers do) quotes the value: a token there is taken out too.
  const message = new Redactor().redact(p.message);
  if (p.value !== undefined && isSecretProblem(p)) {
    const masked = maskSecretValue(p.value);
    const note = /value not shown|\bgot\b/i.test(message) ? '' : masked ? ` (got ${masked})` : ' (value not shown: it may hold a secret)';
    return `${p.path}: ${message}${note}`;
  }
  // A message that already says what it got is not followed by the value again.
  const got = p.value === undefined || /\bgot\b/.test(message) ? '' : ` (got ${preview(p.value)})`;
  return `${p.path}: ${message}${got}`;
}

/**
 * A shell-style placeholder where a value was expected (a docker-compose habit; the README once showed one): the
 * file is read as written, so say that, instead of only "expected a bot token" about a value that is not one.
 */
function placeholderHint(value: unknown): string {
  // Only a whole value of that shape: part of a value may be part of a secret, and a message never echoes one.
  const m = typeof value === 'string' ? /^\s*(\$\{[A-Za-z_][A-Za-z0-9_]*\})\s*$/.exec(value) : null;
  return m ? `; environment variables are not expanded here (${m[1]} is taken as written): put the value itself` : '';
}

/**
 * What an unknown key was expected to be: "restrat" alone named no field that exists there, so a typo was a hunt
 * through the docs. The nearest allowed key for each, and the allowed keys when one has no near match.
 */
function unknownKeysMessage(keys: readonly string[], known: readonly string[] | undefined): string {
  const named = keys.map((k) => {
    const near = known ? nearestKey(k, known) : undefined;
    return { text: near ? `"${k}" (did you mean "${near}"?)` : `"${k}"`, near };
  });
  const list = known && named.some((n) => !n.near) ? `; expected one of: ${known.join(', ')}` : '';
  return `unknown key(s) ${named.map((n) => n.text).join(', ')}${list}`;
}

/**
 * A discriminated union's tag that is absent (`kind: discord` written for `type: discord` in a notify channel): zod
 * said only "Invalid discriminator value" about `type`, never that `kind` is a key no channel has. Says the tag is
 * missing, and names the key that holds one of its values, or the key a few edits from it, as the unknown key.
 */
function missingTagMessage(issue: z.core.$ZodIssue, raw: unknown, schema: z.ZodType | undefined): string | undefined {
  const tag = issue.path[issue.path.length - 1];
  const discriminator = (issue as { discriminator?: unknown }).discriminator;
  if (typeof tag !== 'string' || discriminator !== tag) return undefined;
  let parent: unknown = raw;
  for (const seg of issue.path.slice(0, -1)) parent = parent && typeof parent === 'object' ? (parent as Record<PropertyKey, unknown>)[seg as PropertyKey] : undefined;
  if (!parent || typeof parent !== 'object' || Array.isArray(parent)) return undefined;
  const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
  const expected = issue.message.replace(/^Invalid discriminator value\.\s*/, '');
  // A key some option allows (a channel's `name: discord`) is not the misspelt tag.
  const allowed = schema ? unionKeysAt(schema, issue.path.slice(0, -1), raw) : new Set<string>();
  const entries = Object.entries(parent as Record<string, unknown>).filter(([k]) => k !== tag && !allowed.has(k));
  const holder = entries.find(([, v]) => typeof v === 'string' && options.includes(v)) ?? entries.find(([k]) => nearestKey(k, [tag]) === tag);
  const hint = holder ? `; unknown key "${holder[0]}" (did you mean "${tag}"?)` : '';
  return `missing: "${tag}" says which kind this is; ${expected.replace(/^Expected/, 'expected')}${hint}`;
}

/** Turns zod issues into problems, looking the offending value up in the raw input (`schema`: what an unknown key may be). */
export function problemsFromZod(error: z.ZodError, raw: unknown, schema?: z.ZodType): ConfigProblem[] {
  return error.issues.map((issue) => {
    let value: unknown = raw;
    for (const seg of issue.path) {
      value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg as PropertyKey] : undefined;
    }
    let message = issue.message.replace(/^Invalid input: /, '');
    if (issue.code === 'unrecognized_keys') message = unknownKeysMessage(issue.keys, schema ? knownKeysAt(schema, issue.path, raw) : undefined);
    if (issue.code === 'invalid_union' && value === undefined) message = missingTagMessage(issue, raw, schema) ?? message;
    message += placeholderHint(value);
    const p: ConfigProblem = { path: formatPath(issue.path), message };
    if (value !== undefined && issue.code !== 'unrecognized_keys') p.value = value;
    if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) p.unknownKey = issue.keys[0];
    return p;
  });
}

/** One problem as data for a script (`clawback validate --json`): the field, what was expected, the value as found. */
export interface ProblemData {
  field: string;
  message: string;
  /** The names of the service, probe or channel the field belongs to, when it has them. */
  service?: string;
  probe?: string;
  channel?: string;
  /** The words after "expected" in the message, when it has them. */
  expected?: string;
  /** The value found, its secrets taken out (a secret field's value is masked or left out, as in formatProblem). */
  value?: unknown;
  /** Where in the file (1-based), when known. */
  line?: number;
  col?: number;
}

export function problemData(p: ConfigProblem): ProblemData {
  const message = new Redactor().redact(p.message);
  const out: ProblemData = { field: p.path, message, ...p.owner };
  const expected = /\bexpected:?\s+(.+?)(?:, received [^;]*)?(?:;.*)?$/i.exec(message)?.[1];
  if (expected) out.expected = expected;
  if (p.line !== undefined) Object.assign(out, { line: p.line, col: p.col ?? 1 });
  if (p.value === undefined) return out;
  if (isSecretProblem(p)) {
    const masked = maskSecretValue(p.value);
    if (masked !== undefined) out.value = masked;
    return out;
  }
  out.value = new Redactor().redactDeep(p.value);
  return out;
}
