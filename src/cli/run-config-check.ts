// Whether the config a "start it with: clawback ... run" hint names would load: the hint of `status -c bad.yaml` for
// a config with an error was `run --config bad.yaml`, which exits 78 when pasted. Asked of `clawback validate --json` in
// a process of its own, so the CLI's light paths (`status`) never load the schema.
import { createRequire } from 'node:module';
import { readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processInvocationEnv } from './cli-command.js';
import { pathHash } from '../daemon/config-claim.js';
import { ensurePrivateDir } from '../platform/private-dir.js';

/** A validation longer than this says nothing (a hung filesystem): the hint is given as it was. */
export const RUN_CONFIG_CHECK_MS = 10_000;

export interface RunConfigProblem {
  /** The config's first problem, as `field: message`. */
  first: string;
  /** How many problems it has. */
  count: number;
}

/**
 * `validate --json` of `file`: exit code and stdout. child_process is required here, when a hint is built, not at load:
 * `status` of a running daemon loads no child_process (test/cli/fast-status.test.ts), so command-runner is not used.
 */
function validate(file: string): Promise<{ code: number | null; stdout: string }> {
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const env = processInvocationEnv();
  return new Promise((resolve) => {
    const child = spawn(env.execPath, [env.entry, '--config', file, 'validate', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_CONFIG_CHECK_MS);
    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < 64 * 1024) stdout += c.toString('utf8');
    });
    child.on('error', () => resolve({ code: null, stdout: '' }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

/** The first problem of `file` that `clawback run` would refuse it for (exit 78), or undefined when it loads (or cannot be told). */
export async function runConfigProblem(file: string, cacheDir = defaultCheckDir()): Promise<RunConfigProblem | undefined> {
  const key = checkKey(file);
  const cache = key ? path.join(cacheDir, `${pathHash(key.real)}.json`) : undefined;
  if (cache && key) {
    try {
      const seen = JSON.parse(readFileSync(cache, 'utf8')) as { key?: unknown; problem?: RunConfigProblem | null };
      if (seen.key === key.text) return seen.problem ?? undefined;
    } catch {
      // No answer kept for this file (or a torn one): ask the child.
    }
  }
  const problem = await askValidate(file);
  // Only a definite answer (it loads, or it does not) is kept; a timeout or a crash of the child says nothing.
  if (cache && key && problem.definite) {
    try {
      if (ensurePrivateDir(cacheDir) === undefined) {
        const tmp = `${cache}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ key: key.text, problem: problem.problem ?? null }), { mode: 0o600 });
        renameSync(tmp, cache);
      }
    } catch {
      // A cache that cannot be written costs the next `status` the child again, nothing more.
    }
  }
  return problem.problem;
}

/** `<tmp>/clawback-<uid>/config-checks`: the last validate answer per config file, beside the config claims. */
export function defaultCheckDir(): string {
  return path.join(os.tmpdir(), `clawback-${process.getuid?.() ?? 'user'}`, 'config-checks');
}

/**
 * What a kept answer is valid for: the file's real path and identity (device, inode, size, mtime, ctime: any write or
 * rename changes one), the clawback that validated it, $CLAWBACK_STATE_DIR, the cwd and the home; undefined when
 * the file cannot be stat'ed (the child then says why). A `status` of a stopped daemon spent ~0.5 s in the child each time.
 */
function checkKey(file: string): { real: string; text: string } | undefined {
  try {
    const real = realpathSync(file);
    const st = statSync(real);
    const entry = processInvocationEnv().entry;
    const cli = statSync(entry);
    // What else the load reads: $CLAWBACK_STATE_DIR (relative to the cwd) and the home a `~` names.
    const env = [process.env.CLAWBACK_STATE_DIR ?? '', process.cwd(), os.homedir()];
    return { real, text: [real, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs, entry, cli.mtimeMs, ...env].join('\0') };
  } catch {
    return undefined;
  }
}

async function askValidate(file: string): Promise<{ definite: boolean; problem?: RunConfigProblem }> {
  const r = await validate(file);
  if (r.code === 0) return { definite: true };
  if (r.code !== 2) return { definite: false };
  try {
    const answer = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { problems?: Array<{ field?: unknown; message?: unknown }> };
    const problems = Array.isArray(answer.problems) ? answer.problems : [];
    const p = problems[0];
    if (!p) return { definite: false };
    return { definite: true, problem: { first: `${String(p.field)}: ${String(p.message)}`, count: problems.length } };
  } catch {
    return { definite: false };
  }
}
