// The least repair of a value the validator rejects: only the named settings go back to the newest copy seen healthy; every other edit made since stays.
import { parseConfigText, serializeConfig, sha256, type ConfigFormat } from '../platform/config-file.js';
import type { DoctorContext } from './types.js';
import type { ConfigCheck } from './config-validity.js';
import { checkContentFor } from './validity-cache.js';
import { gatherCandidates } from './restore-candidates.js';
import { carryOverText, protectedPatterns } from './protected-settings.js';
import { getPath, joinPath, matchesAny, sameValue } from './config-paths.js';
import { unknownIssueKeys, unknownKeysInLine, withoutPaths, type Issue } from './named-keys.js';
import { removeKeysFromText } from './text-key-removal.js';

/** What the validator's output names: values to put back, and keys it calls unknown (to remove); undefined when any problem names no path in the file. */
export interface NamedProblems {
  values: string[];
  unknown: string[];
}

export function namedProblems(stdout: string, stderr: string, value: unknown): NamedProblems | undefined {
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
      const segs = Array.isArray(raw.path) ? raw.path.map(String) : typeof raw.path === 'string' ? raw.path.replace(/^\$\.?/, '').split('.').filter(Boolean) : [];
      if (segs.length === 0 || getPath(value, joinPath(segs)) === undefined) return undefined;
      values.push(joinPath(segs));
    }
    return { values: [...new Set(values)], unknown: [...new Set(unknown)] };
  }
  // Plain text, one problem a line: "<file>: gateway.mode: Invalid"; the named path must be in the file.
  for (const line of `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const keys = unknownKeysInLine(line);
    if (keys) {
      unknown.push(...keys);
      continue;
    }
    const named = [...line.matchAll(/([\w$-]+(?:\.[\w$-]+)*):\s/g)].map((m) => m[1]!).filter((p) => getPath(value, p) !== undefined);
    if (named.length === 0) return undefined;
    values.push(named[named.length - 1]!);
  }
  return values.length + unknown.length > 0 ? { values: [...new Set(values)], unknown: [...new Set(unknown)] } : undefined;
}

/** The dotted paths of the values the validator names, one per problem; undefined when any problem names no path. */
export function namedValuePaths(stdout: string, stderr: string, value: unknown): string[] | undefined {
  const named = namedProblems(stdout, stderr, value);
  return named && named.values.length > 0 ? named.values : undefined;
}

function firstJsonObject(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1)) as unknown;
  } catch {
    return undefined;
  }
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
  const problems = check.output ? namedProblems(check.output.stdout, check.output.stderr, value) : undefined;
  if (!problems || problems.values.length === 0) return { reverted: [], message: 'the validator names no setting in the file for every problem' };
  const named = problems.values;
  const patterns = protectedPatterns(ctx.service);
  const guarded = [...named.filter((p) => patterns.some((q) => q.startsWith(`${p}.`))), ...[...named, ...problems.unknown].filter((p) => matchesAny(patterns, p))];
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
    const edited = removeKeysFromText(text, removed, format, cutValue);
    cutRewritten = edited === undefined;
    cutText = edited ?? serializeConfig(cutValue, format);
  }
  const brokenSha = sha256(Buffer.from(text));
  const healthy = (await gatherCandidates(ctx)).filter((c) => c.trust === 'healthy');
  for (const c of healthy) {
    const bytes = await c.read().catch(() => undefined);
    if (!bytes || sha256(bytes) === brokenSha) continue;
    const parsed = parseConfigText(bytes.toString('utf8'), format);
    if (!parsed.ok) continue;
    if (named.some((p) => getPath(parsed.value, p) === undefined)) return { reverted: [], message: `the newest copy seen healthy (${c.label}) does not have ${named.filter((p) => getPath(parsed.value, p) === undefined).join(', ')}` };
    const differs = named.filter((p) => !sameValue(getPath(parsed.value, p), getPath(cutValue, p)));
    if (differs.length === 0) return { reverted: [], message: `the newest copy seen healthy (${c.label}) has the same ${named.join(', ')}` };
    const co = carryOverText(cutText, cutValue, parsed.value, differs, format);
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
  return { reverted: [], message: 'no copy seen healthy to take the values from' };
}
