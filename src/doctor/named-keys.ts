// The least repair of a config that parses but is rejected: remove exactly the keys the validator names as unknown, nothing else.
import { deletePath, joinPath } from './config-paths.js';

/** "issues[{path, message}]" as `openclaw config validate --json` prints (zod: path = the parent object). */
export interface Issue {
  path?: unknown;
  message?: unknown;
  keys?: unknown;
}

const UNKNOWN = /unrecognized key|unknown key|additional propert|not allowed/i;

function issuePath(p: unknown): string[] {
  if (Array.isArray(p)) return p.map(String);
  if (typeof p !== 'string' || p === '' || p === '<root>' || p === '$' || p === '.') return [];
  return p.replace(/^\$\.?/, '').split('.').filter(Boolean);
}

/** Names in quotes after the colon: 'Unrecognized key: "a"', "Unrecognized keys in object: 'a', 'b'". */
function quotedNames(message: string): string[] {
  const tail = message.slice(message.indexOf(':') + 1);
  return [...tail.matchAll(/["'`]([^"'`]+)["'`]/g)].map((m) => m[1]!);
}

/** The validator's JSON answer within its output (text around it ignored); undefined when there is none. */
export function firstJsonObject(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1)) as unknown;
  } catch {
    return undefined;
  }
}

/** The dotted paths one issue names as unknown keys; undefined when the issue is another kind of problem. */
export function unknownIssueKeys(raw: Issue): string[] | undefined {
  const message = typeof raw.message === 'string' ? raw.message : '';
  if (!UNKNOWN.test(message)) return undefined;
  const parent = issuePath(raw.path);
  const keys = Array.isArray(raw.keys) ? raw.keys.map(String) : quotedNames(message);
  // zod names the parent and the keys; other validators name the key itself.
  const out = keys.length === 0 && parent.length > 0 ? [joinPath(parent)] : [];
  for (const k of keys) out.push(joinPath([...parent, k]));
  return out;
}

/** A plain-text line naming unknown keys: "x: gateway: Unrecognized key: \"a\"" (openclaw) or "f: faults.extra: unknown key". */
export function unknownKeysInLine(line: string): string[] | undefined {
  const m = /([\w$-]+(?:\.[\w$-]+)*): (?:unrecognized|unknown) keys?\b(.*)$/i.exec(line);
  if (!m) return undefined;
  const names = /^\s*:/.test(m[2]!) ? quotedNames(m[2]!) : [];
  return names.length > 0 ? names.map((k) => joinPath([...issuePath(m[1]!), k])) : [m[1]!];
}

/**
 * The dotted paths of unknown keys the validator named, or undefined when its output names any
 * other kind of problem (then removing keys would not make the file valid, and is not tried).
 */
export function unknownKeyPaths(stdout: string, stderr: string): string[] | undefined {
  const json = firstJsonObject(stdout) ?? firstJsonObject(stderr);
  const issues = (json as { issues?: unknown } | undefined)?.issues;
  const out: string[] = [];
  if (Array.isArray(issues) && issues.length > 0) {
    for (const raw of issues as Issue[]) {
      const keys = unknownIssueKeys(raw);
      if (!keys) return undefined;
      out.push(...keys);
    }
    return out.length > 0 ? [...new Set(out)] : undefined;
  }
  // Plain text: "<file>: faults.extra: unknown key (allowed: ...)", one problem per line.
  const lines = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const line of lines) {
    const m = /(?:^|:\s)([\w$-]+(?:\.[\w$-]+)*): unknown key\b/i.exec(line);
    if (m) out.push(m[1]!);
    else if (/invalid|error|must|expected/i.test(line)) return undefined;
  }
  return out.length > 0 ? [...new Set(out)] : undefined;
}

/** A copy of the parsed config without those paths; `removed` lists what was really there. */
export function withoutPaths(config: unknown, paths: readonly string[]): { value: unknown; removed: string[] } {
  const copy = structuredClone(config);
  const removed = paths.filter((p) => deletePath(copy, p));
  return { value: copy, removed };
}
