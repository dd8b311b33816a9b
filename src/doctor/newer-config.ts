// A config last written by a newer version of the service (a rollback): the older validator calls that version's settings
// "unknown", and removing them (or the service's own doctor --fix) would lose them for the version the user returns to.
import type { DoctorContext } from './types.js';
import { runnerOf, serviceEnv } from './command-runner.js';
import { getPath } from './config-paths.js';

/** Where OpenClaw records the version that last wrote its config. */
const WRITTEN_BY = 'meta.lastTouchedVersion';
/** `openclaw --version` is a CLI start: about 1 s, more under load. */
const VERSION_TIMEOUT_MS = 30_000;

export interface NewerConfig {
  /** The version that last wrote the config. */
  written: string;
  /** The version installed now. */
  installed: string;
}

/** The numeric parts of a version ("2026.9.6-beta.1" -> [2026, 9, 6]), or undefined. */
function numbers(v: string): number[] | undefined {
  const m = /(\d+(?:\.\d+)*)/.exec(v);
  return m ? m[1]!.split('.').map(Number) : undefined;
}

/**
 * Where a version stands among those of the same numbers: a pre-release ("-beta.2", "-rc.1") before the release, a
 * correction release ("-2", as OpenClaw publishes 2026.7.1-2 after 2026.7.1) after it; then by the suffix's number.
 */
function suffixRank(v: string): [number, number] {
  // What follows the numbers; build metadata ("+sha") or text after a space is no part of the version's rank.
  const tail = /\d+(?:\.\d+)*(\S*)/.exec(v)?.[1]?.split('+')[0] ?? '';
  if (tail === '') return [0, 0];
  const correction = /^-(\d+)$/.exec(tail);
  if (correction) return [1, Number(correction[1])];
  return [-1, Number(/(\d+)/.exec(tail)?.[1] ?? 0)];
}

/** True when version a is newer than b: by the numeric parts, then pre-release < release < correction release. */
export function isNewerVersion(a: string, b: string): boolean {
  const x = numbers(a);
  const y = numbers(b);
  if (!x || !y) return false;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  const [ra, na] = suffixRank(a);
  const [rb, nb] = suffixRank(b);
  return ra !== rb ? ra > rb : na > nb;
}

/**
 * The versions, when the parsed config says a newer version than the installed one wrote it; undefined when it does not,
 * or when either version is unknown (no `openclaw.cli`, no record in the file, a CLI that does not answer).
 */
export async function newerConfigWriter(ctx: DoctorContext, config: unknown): Promise<NewerConfig | undefined> {
  const cli = ctx.service.openclaw?.cli;
  const written = getPath(config, WRITTEN_BY);
  if (!cli || typeof written !== 'string' || !numbers(written)) return undefined;
  const r = await runnerOf(ctx)([...cli, '--version'], { timeoutMs: VERSION_TIMEOUT_MS, env: serviceEnv(ctx.service), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (r.code !== 0) return undefined;
  const installed = /\d+(?:\.\d+)+[\w.+-]*/.exec(r.stdout)?.[0];
  if (!installed || !isNewerVersion(written, installed)) return undefined;
  return { written, installed };
}

/** The account of a refused repair: whose settings the "unknown" keys are, and what the person can do. */
export function newerConfigMessage(file: string, v: NewerConfig, named: readonly string[] | undefined): string {
  const keys = named && named.length > 0 ? `the keys it calls unknown (${named.slice(0, 10).join(', ')}${named.length > 10 ? ', ...' : ''}) are most likely ${v.written}'s settings` : `what it rejects may be ${v.written}'s settings`;
  return (
    `${file} was last written by version ${v.written}, but ${v.installed} is installed (a rollback?): ${keys}; ` +
    `they are not removed, as removing them would lose them when you return to ${v.written}. ` +
    `Install ${v.written} again, or remove them yourself (e.g. \`openclaw doctor --fix\`)`
  );
}
