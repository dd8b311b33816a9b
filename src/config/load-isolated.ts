// The daemon's way to load and expand its config: in a short-lived child process (config-child.ts), so the daemon
// never loads zod, yaml or the schema (issue 19: ~10 MiB of its RSS for its whole life). If that process cannot run
// (no dist/ build, a spawn failure, a crash), the work is done in this process instead, and that is said.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { ClawbackConfig } from './schema.js';
import type { LoadedConfig, LoadOptions } from './load.js';
import { ConfigError } from './errors.js';
import type { ConfigJob, ConfigReply } from './config-job.js';
import type { ScaleOverrides } from '../instances/scale-store.js';

const LOADER_BUNDLE = fileURLToPath(new URL('../../dist/config/config-child.bundle.mjs', import.meta.url));
const LOADER_MODULES = fileURLToPath(new URL('../../dist/config/config-child.js', import.meta.url));
/** The bundled loader when the build made it (one file starts faster), else its modules. */
const childEntry = (): string => (existsSync(LOADER_BUNDLE) ? LOADER_BUNDLE : LOADER_MODULES);
/** A config load reads one file; longer than this is a hung filesystem, not a big config. */
const TIMEOUT_MS = 60_000;

export interface IsolationOptions {
  /** Told when the child could not do the job and this process did it (it then holds the schema's memory). */
  warn?: (message: string) => void;
  /** The loader's entry (tests point it elsewhere). */
  child?: string;
  /** Abandons the load (a second Ctrl-C while it runs): the loader process is killed, nothing is read here instead. */
  signal?: AbortSignal;
}

class ChildFailed extends Error {}

/** The load was abandoned on purpose (IsolationOptions.signal): never retried in this process. */
export class LoadAbandoned extends Error {}

/** Runs one job in the loader process; a config error comes back as the same ConfigError, anything else as ChildFailed. */
function runChild(job: ConfigJob, env: NodeJS.ProcessEnv, entry: string, signal: AbortSignal | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LoadAbandoned('the config load was abandoned'));
    const child = spawn(process.execPath, [entry], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // Not retried in this process: a read that hung there would hang the daemon.
      finish(new Error(`the config loader took more than ${TIMEOUT_MS / 1000} s (a hung filesystem?)`));
    }, TIMEOUT_MS);
    const abandon = (): void => {
      child.kill('SIGKILL');
      finish(new LoadAbandoned('the config load was abandoned'));
    };
    signal?.addEventListener('abort', abandon, { once: true });
    const finish = (e: Error | undefined, value?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abandon);
      if (e) reject(e);
      else resolve(value);
    };
    child.on('error', (e) => finish(new ChildFailed(`cannot start the config loader: ${e.message}`)));
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 4096) err += c.toString('utf8');
    });
    child.stdin.on('error', () => undefined); // a child that died early; its exit says why
    child.on('close', (code, signal) => {
      let reply: ConfigReply;
      try {
        if (code !== 0) throw new Error('');
        reply = deserialize(Buffer.concat(out)) as ConfigReply;
      } catch {
        const why = err.trim().split('\n').slice(-3).join(' | ');
        return finish(new ChildFailed(`the config loader exited with ${signal ?? `code ${code}`}${why ? `: ${why}` : ''}`));
      }
      if (reply.ok) return finish(undefined, reply.value);
      if ('configError' in reply) return finish(new ConfigError(reply.configError.file, reply.configError.problems));
      finish(new Error(reply.message));
    });
    child.stdin.end(serialize(job));
  });
}

async function isolated<T>(job: ConfigJob, env: NodeJS.ProcessEnv, opts: IsolationOptions, here: () => Promise<T>): Promise<T> {
  try {
    return (await runChild(job, env, opts.child ?? childEntry(), opts.signal)) as T;
  } catch (err) {
    if (!(err instanceof ChildFailed)) throw err;
    (opts.warn ?? ((m: string) => process.stderr.write(`clawback: warning: ${m}\n`)))(`${err.message}; the config is read in the daemon's own process instead (it keeps the schema's memory)`);
    return here();
  }
}

/** loadConfig, in the loader process. */
export function loadConfigIsolated(load: LoadOptions, opts: IsolationOptions = {}): Promise<LoadedConfig> {
  const { env, ...rest } = load;
  const job: ConfigJob = { op: 'load', opts: { ...rest, cwd: rest.cwd ?? process.cwd() } };
  return isolated(job, env ?? process.env, opts, async () => (await import('./load.js')).loadConfig(load));
}

/** materialize (the services for these scale overrides), in the loader process. */
export function materializeIsolated(source: Pick<LoadedConfig, 'raw' | 'declared' | 'file'>, overrides: ScaleOverrides, opts: IsolationOptions = {}): Promise<ClawbackConfig> {
  const cwd = process.cwd();
  return isolated({ op: 'materialize', source, overrides, cwd }, process.env, opts, async () => (await import('./load.js')).materialize(source, overrides, cwd));
}
