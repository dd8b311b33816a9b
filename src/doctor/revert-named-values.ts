// The least repair of a value the validator rejects: only the named settings go back to the newest copy seen healthy; every other edit made since stays.
import { parseConfigText, sha256, type ConfigFormat } from '../platform/config-file.js';
import type { DoctorContext } from './types.js';
import type { ConfigCheck } from './config-validity.js';
import { checkContentFor } from './validity-cache.js';
import { gatherCandidates } from './restore-candidates.js';
import { carryOverText, protectedPatterns } from './protected-settings.js';
import { getPath, joinPath, matchesAny, sameValue } from './config-paths.js';

/** The dotted paths the validator's output names, one per problem; undefined when any problem names no path. */
export function namedValuePaths(stdout: string, stderr: string, value: unknown): string[] | undefined {
  const json = firstJsonObject(stdout) ?? firstJsonObject(stderr);
  const issues = (json as { issues?: unknown } | undefined)?.issues;
  const out: string[] = [];
  if (Array.isArray(issues) && issues.length > 0) {
    for (const raw of issues as { path?: unknown }[]) {
      const segs = Array.isArray(raw.path) ? raw.path.map(String) : typeof raw.path === 'string' ? raw.path.replace(/^\$\.?/, '').split('.').filter(Boolean) : [];
      if (segs.length === 0 || getPath(value, joinPath(segs)) === undefined) return undefined;
      out.push(joinPath(segs));
    }
    return [...new Set(out)];
  }
  // Plain text, one problem a line: "<file>: gateway.mode: Invalid"; the named path must be in the file.
  for (const line of `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const named = [...line.matchAll(/([\w$-]+(?:\.[\w$-]+)*):\s/g)].map((m) => m[1]!).filter((p) => getPath(value, p) !== undefined);
    if (named.length === 0) return undefined;
    out.push(named[named.length - 1]!);
  }
  return out.length > 0 ? [...new Set(out)] : undefined;
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
  const named = check.output ? namedValuePaths(check.output.stdout, check.output.stderr, value) : undefined;
  if (!named) return { reverted: [], message: 'the validator names no setting in the file for every problem' };
  const patterns = protectedPatterns(ctx.service);
  const guarded = named.filter((p) => matchesAny(patterns, p) || patterns.some((q) => q.startsWith(`${p}.`)));
  if (guarded.length > 0) return { reverted: [], message: `the named settings include protected ones (${guarded.join(', ')}); not put back` };
  const brokenSha = sha256(Buffer.from(text));
  const healthy = (await gatherCandidates(ctx)).filter((c) => c.trust === 'healthy');
  for (const c of healthy) {
    const bytes = await c.read().catch(() => undefined);
    if (!bytes || sha256(bytes) === brokenSha) continue;
    const parsed = parseConfigText(bytes.toString('utf8'), format);
    if (!parsed.ok) continue;
    if (named.some((p) => getPath(parsed.value, p) === undefined)) return { reverted: [], message: `the newest copy seen healthy (${c.label}) does not have ${named.filter((p) => getPath(parsed.value, p) === undefined).join(', ')}` };
    const differs = named.filter((p) => !sameValue(getPath(parsed.value, p), getPath(value, p)));
    if (differs.length === 0) return { reverted: [], message: `the newest copy seen healthy (${c.label}) has the same ${named.join(', ')}` };
    const co = carryOverText(text, value, parsed.value, differs, format);
    const content = Buffer.from(co.text);
    const after = await checkContentFor(ctx, content);
    if (after.state !== 'valid') return { reverted: [], message: `still invalid with ${differs.join(', ')} as ${c.label} had them: ${after.error ?? ''}`.slice(0, 400) };
    return { content, value: co.value, reverted: co.carried, from: c.label, rewritten: co.rewritten, message: `put back ${co.carried.join(', ')}` };
  }
  return { reverted: [], message: 'no copy seen healthy to take the values from' };
}
