// The least repair of a value the validator rejects: only the named settings go back to the newest copy seen healthy; every other edit made since stays.
import { parseConfigText, serializeConfig, sha256, type ConfigFormat } from '../platform/config-file.js';
import type { DoctorContext } from './types.js';
import type { ConfigCheck } from './config-validity.js';
import { checkContentFor } from './validity-cache.js';
import { gatherCandidates } from './restore-candidates.js';
import { protectedPatterns } from './protected-settings.js';
import { getPath, joinPath, matchesAny, pathMatches, sameValue, splitPath } from './config-paths.js';
import { firstJsonObject, unknownIssueKeys, unknownKeysInLine, withoutPaths, type Issue } from './named-keys.js';
import { removeKeysFromText, setValuesInText, type TextEditNote } from './text-key-removal.js';

/**
 * A path as validators spell it, as segments: an array (zod), a JSON pointer ("/gateway/mode"), "$.a.b", brackets
 * ('gateway["mode"]', "agents.list[0].id").
 */
export function pathSegments(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string') return [];
  const s = raw.trim().replace(/^\$/, '');
  if (s.startsWith('/')) return s.slice(1).split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [...s.matchAll(/\[\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\d+))\s*\]|([^.[\]]+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!);
}

/** A path-like word right before ": " in a line of text: dotted with brackets, or a JSON pointer. */
const TEXT_PATH = /((?:\/[\w$-]+)+|[\w$-]+(?:\.[\w$-]+|\[(?:\d+|"[^"]*"|'[^']*')\])*):\s/g;

/** What the validator's output names: values to put back, and keys it calls unknown (to remove); undefined when any problem names no path in the file. */
export interface NamedProblems {
  values: string[];
  unknown: string[];
}

/**
 * `copy` (the copy seen healthy): a value path the file lacks but the copy has is a required key the user deleted, put
 * back from it (an add); without it, every value path must be in the file.
 */
export function namedProblems(stdout: string, stderr: string, value: unknown, copy?: unknown): NamedProblems | undefined {
  const known = (p: string): boolean => getPath(value, p) !== undefined || (copy !== undefined && getPath(copy, p) !== undefined);
  const json = firstJsonObject(stdout) ?? firstJsonObject(stderr);
  const issues = (json as { issues?: unknown } | undefined)?.issues;
  const values: string[] = [];
  const unknown: string[] = [];
  if (Array.isArray(issues) && issues.length > 0) {
    for (const raw of issues as Issue[]) {
      // openclaw 2026.9.6 names an unknown key by its parent ({"path":"gateway","message":"Unrecognized key: \"x\""}): the key goes, not the parent.
      const keys = unknownIssueKeys(raw);
      if (keys) {
        if (keys.length === 0) return undefined;
        unknown.push(...keys);
        continue;
      }
      const segs = pathSegments(raw.path);
      if (segs.length === 0 || !known(joinPath(segs))) return undefined;
      values.push(joinPath(segs));
    }
    return { values: [...new Set(values)], unknown: [...new Set(unknown)] };
  }
  // Plain text, one problem a line: "<file>: gateway.mode: Invalid"; the named path must be in the file (or the copy).
  for (const line of `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const keys = unknownKeysInLine(line);
    if (keys) {
      unknown.push(...keys);
      continue;
    }
    const named = [...line.matchAll(TEXT_PATH)].map((m) => joinPath(pathSegments(m[1]!))).filter(known);
    if (named.length === 0) return undefined;
    values.push(named[named.length - 1]!);
  }
  return values.length + unknown.length > 0 ? { values: [...new Set(values)], unknown: [...new Set(unknown)] } : undefined;
}

/** The dotted paths of the values the validator names, one per problem; undefined when any problem names no path. */
export function namedValuePaths(stdout: string, stderr: string, value: unknown, copy?: unknown): string[] | undefined {
  const named = namedProblems(stdout, stderr, value, copy);
  return named && named.values.length > 0 ? named.values : undefined;
}

export interface Reverted {
  content?: Buffer;
  value?: unknown;
  reverted: string[];
  /** Keys the validator named as unknown, removed beside the values put back. */
  removed?: string[];
  /** The copy the values came from (its label). */
  from?: string;
  rewritten?: boolean;
  message: string;
}

/**
 * Puts back exactly the settings the validator names, as the newest copy seen healthy had them, in the file's own text,
 * and validates the result. Never a protected setting (the user's token or port stays theirs), never a path the copy
 * lacks (that would be a removal, which only the validator's "unknown key" allows).
 */
export async function revertNamedValues(ctx: DoctorContext, text: string, value: unknown, check: ConfigCheck, format: ConfigFormat): Promise<Reverted> {
  if (!check.output) return { reverted: [], message: 'the validator printed nothing' };
  const { stdout, stderr } = check.output;
  const inFile = namedProblems(stdout, stderr, value);
  const patterns = protectedPatterns(ctx.service);
  const brokenSha = sha256(Buffer.from(text));
  const healthy = (await gatherCandidates(ctx)).filter((c) => c.trust === 'healthy');
  for (const c of healthy) {
    const bytes = await c.read().catch(() => undefined);
    if (!bytes || sha256(bytes) === brokenSha) continue;
    const parsed = parseConfigText(bytes.toString('utf8'), format);
    if (!parsed.ok) continue;
    // A path the file lacks is a required key the user deleted: it comes back from the copy (an add, nothing removed).
    const problems = inFile ?? namedProblems(stdout, stderr, value, parsed.value);
    if (!problems || problems.values.length === 0) return { reverted: [], message: 'the validator names no setting in the file (or the copy seen healthy) for every problem' };
    const named = problems.values;
    const guarded = [
      ...named.filter((p) => patterns.some((q) => pathMatches(`${p}.*`, q) || q.startsWith(`${p}.`))),
      ...[...named, ...problems.unknown].filter((p) => matchesAny(patterns, p)),
    ];
    if (guarded.length > 0) return { reverted: [], message: `the named settings include protected ones (${[...new Set(guarded)].join(', ')}); not put back` };
    // Keys it names as unknown beside the values (one edit can do both): removed first, as the step for unknown keys would.
    let removed: string[] = [];
    let cutText = text;
    let cutValue = value;
    let cutRewritten = false;
    if (problems.unknown.length > 0) {
      const cut = withoutPaths(value, problems.unknown);
      if (cut.removed.length === 0) return { reverted: [], message: `the keys it names as unknown (${problems.unknown.join(', ')}) are not in the file` };
      removed = cut.removed;
      cutValue = cut.value;
      const said: TextEditNote = {};
      const edited = removeKeysFromText(text, removed, format, cutValue, said);
      cutRewritten = edited === undefined || said.reprinted === true;
      cutText = edited ?? serializeConfig(cutValue, format, text);
    }
    if (named.some((p) => getPath(parsed.value, p) === undefined)) return { reverted: [], message: `the newest copy seen healthy (${c.label}) does not have ${named.filter((p) => getPath(parsed.value, p) === undefined).join(', ')}` };
    const differs = named.filter((p) => !sameValue(getPath(parsed.value, p), getPath(cutValue, p)));
    if (differs.length === 0) return { reverted: [], message: `the newest copy seen healthy (${c.label}) has the same ${named.join(', ')}` };
    const co = putBack(cutText, cutValue, parsed.value, differs, format);
    if (!co) return { reverted: [], message: `cannot put ${differs.join(', ')} back alone (a list in the way is shorter than the path)` };
    const content = Buffer.from(co.text);
    const after = await checkContentFor(ctx, content);
    const also = removed.length > 0 ? ` and without ${removed.join(', ')}` : '';
    if (after.state !== 'valid') return { reverted: [], message: `still invalid with ${differs.join(', ')} as ${c.label} had them${also}: ${after.error ?? ''}`.slice(0, 400) };
    return {
      content,
      value: co.value,
      reverted: co.carried,
      removed,
      from: c.label,
      rewritten: co.rewritten || cutRewritten,
      message: `put back ${co.carried.join(', ')}${removed.length > 0 ? `, removed ${removed.join(', ')}` : ''}`,
    };
  }
  return { reverted: [], message: inFile ? 'no copy seen healthy to take the values from' : 'the validator names no setting in the file for every problem, and there is no copy seen healthy' };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets one path in place, through objects and list elements that exist (a missing object on the way is made); false when a list is too short. */
function setDeep(root: unknown, segs: readonly string[], v: unknown): boolean {
  let cur = root;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg) || Number(seg) > cur.length || (!last && Number(seg) === cur.length)) return false;
      if (last) cur[Number(seg)] = v;
      else if (!isObject(cur[Number(seg)]) && !Array.isArray(cur[Number(seg)])) cur[Number(seg)] = {};
      cur = cur[Number(seg)];
    } else if (isObject(cur)) {
      if (last) cur[seg] = v;
      else if (!isObject(cur[seg]) && !Array.isArray(cur[seg])) cur[seg] = {};
      cur = cur[seg];
    } else return false;
  }
  return true;
}

/**
 * The file's text with exactly those paths as the copy has them. A path into a list element changes that element's key
 * only (the list's other values stay as the user has them; the list is written anew in the text, the editor reaching no
 * deeper than the list).
 */
function putBack(text: string, value: unknown, copy: unknown, paths: readonly string[], format: ConfigFormat): { text: string; value: unknown; carried: string[]; rewritten: boolean } | undefined {
  const next = structuredClone(value);
  const reach = new Set<string>();
  for (const p of paths) {
    const segs = splitPath(p);
    if (!setDeep(next, segs, structuredClone(getPath(copy, p)))) return undefined;
    const firstInList = segs.findIndex((_, i) => i > 0 && Array.isArray(getPath(next, joinPath(segs.slice(0, i)))));
    reach.add(joinPath(firstInList < 0 ? segs : segs.slice(0, firstInList)));
  }
  const values = [...reach].map((p) => ({ path: p, value: getPath(next, p) }));
  const said: TextEditNote = {};
  const edited = setValuesInText(text, values, format, next, said);
  return { text: edited ?? serializeConfig(next, format, text), value: next, carried: [...paths], rewritten: edited === undefined || said.reprinted === true };
}
