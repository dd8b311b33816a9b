// Whether the config a "start it with: clawback ... run" hint names would load: the hint of `status -c bad.yaml` for
// a config with an error was `run --config bad.yaml`, which exits 78 when pasted. Asked of `clawback validate --json` in
// a process of its own, so the CLI's light paths (`status`) never load the schema.
import { createRequire } from 'node:module';
import { processInvocationEnv } from './cli-command.js';

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
export async function runConfigProblem(file: string): Promise<RunConfigProblem | undefined> {
  const r = await validate(file);
  if (r.code !== 2) return undefined;
  try {
    const answer = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { problems?: Array<{ field?: unknown; message?: unknown }> };
    const problems = Array.isArray(answer.problems) ? answer.problems : [];
    const p = problems[0];
    if (!p) return undefined;
    return { first: `${String(p.field)}: ${String(p.message)}`, count: problems.length };
  } catch {
    return undefined;
  }
}
