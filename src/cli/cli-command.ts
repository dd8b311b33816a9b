// Hints print `clawback ...` commands; this spells them so they work when pasted: the bare name only when `clawback`
// on PATH is this very install, else `node /abs/path/main.js`, with the global options the user needs and shell quoting.
import { realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { typedPath } from '../config/home-path.js';

/** This install's entry point (dist/cli/main.js beside this file). Built when a hint is (not at load: `status`'s start-up). */
const cliEntry = (): string => fileURLToPath(new URL('./main.js', import.meta.url));
/** The package's `bin` (dist/cli/clawback.cjs): what a `clawback` on PATH links to. */
const cliBin = (): string => fileURLToPath(new URL('./clawback.cjs', import.meta.url));

export interface InvocationEnv {
  /** $PATH. */
  pathEnv: string | undefined;
  /** The `clawback` entry point of this install. */
  entry: string;
  /** The package's bin file of this install (PATH's `clawback` links to it). */
  bin?: string;
  /** The running node binary. */
  execPath: string;
  /** realpath of an existing executable file, undefined when there is none. */
  resolveExecutable: (file: string) => string | undefined;
}

function realExecutable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return undefined;
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

export function processInvocationEnv(): InvocationEnv {
  return { pathEnv: process.env.PATH, entry: cliEntry(), bin: cliBin(), execPath: process.execPath, resolveExecutable: realExecutable };
}

/** The first executable named `name` on PATH, resolved through symlinks. */
function onPath(name: string, env: InvocationEnv): string | undefined {
  for (const dir of (env.pathEnv ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const found = env.resolveExecutable(path.join(dir, name));
    if (found) return found;
  }
  return undefined;
}

/** Quotes one word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  if (word !== '' && /^[\w@%+=:,./~-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The words that start this CLI from any directory: ['clawback'] when PATH finds this install, else node + entry. */
export function cliPrefix(env: InvocationEnv = processInvocationEnv()): string[] {
  const real = (file: string): string => env.resolveExecutable(file) ?? file;
  const entry = real(env.entry);
  const found = onPath('clawback', env);
  // PATH's `clawback` may link to main.js or to the package's bin: both are this install.
  if (found !== undefined && (found === entry || (env.bin !== undefined && found === real(env.bin)))) return ['clawback'];
  const node = onPath('node', env) === real(env.execPath) ? 'node' : env.execPath;
  return [node, entry];
}

export interface HintOptions {
  /** The state directory the command must address; omitted from the hint when it is the default. */
  stateDir?: string;
  /** The config file the command must read. */
  config?: string;
  env?: InvocationEnv;
  /** Default state directory (~/.clawback) and $CLAWBACK_STATE_DIR, to leave out --state-dir when it is implied. */
  defaultStateDir?: string;
  stateDirEnv?: string | undefined;
}

/** A full command line for a hint, e.g. `clawback status --state-dir /tmp/x` or `node /opt/c/dist/cli/main.js resume gw`. */
export function cliHint(args: string[], opts: HintOptions = {}): string {
  const words = [...cliPrefix(opts.env)];
  if (opts.config) words.push('--config', path.resolve(opts.config));
  if (opts.stateDir) {
    const wanted = typedPath(opts.stateDir);
    const implied = typedPath(opts.stateDirEnv ?? process.env.CLAWBACK_STATE_DIR ?? opts.defaultStateDir ?? path.join(os.homedir(), '.clawback'));
    if (wanted !== implied) words.push('--state-dir', wanted);
  }
  words.push(...args);
  return words.map(shellWord).join(' ');
}
