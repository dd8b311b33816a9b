// Is the service's config file usable? Parsed the way the service parses it, then its own validator if it has one.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNewFile } from '../platform/atomic-write.js';
import { randomBytes } from 'node:crypto';
import { detectFormat, parseConfigText, readServiceConfigFile, sha256, type ConfigFormat } from '../platform/config-file.js';
import { describeIncludeProblems, directlyIncludedFiles, includeProblems } from '../platform/config-includes.js';
import { describeReadError, FileTooLargeError, NotRegularFileError } from '../platform/read-regular.js';
import type { ServiceConfig } from '../config/schema.js';
import type { CommandRunner } from './types.js';
import { describeRun, serviceEnv } from './command-runner.js';
import { cutSnippet } from '../platform/cut-text.js';

/** "unreadable": the file is there but cannot be read (EACCES, EIO...): not missing, and no restore's business. */
export type ConfigState = 'missing' | 'unreadable' | 'unparseable' | 'invalid' | 'valid';

export interface ConfigCheck {
  state: ConfigState;
  error?: string;
  /** sha256 of the bytes checked (absent when missing). */
  checksum?: string;
  /** "none": no validateCommand; "unavailable": it could not run or timed out (the state is then "invalid"). */
  validator?: 'passed' | 'failed' | 'unavailable' | 'none';
  /** The bytes checked, so callers act on exactly what was judged. */
  content?: Buffer;
  /** The validator's own words (bounded), when it ran and failed: what it names is what a least repair removes. */
  output?: { stdout: string; stderr: string };
}

export interface CheckOptions {
  /** Check this file instead of configFile.path (format still follows configFile). */
  path?: string;
  /** Validator time limit; default 30 s. */
  timeoutMs?: number;
  /** Aborting kills a validator in flight. */
  signal?: AbortSignal;
}

const ERROR_CHARS = 600;

/** The service's configFile, or a clear error: only call for services that declare one. */
export function configFileOf(service: ServiceConfig): NonNullable<ServiceConfig['configFile']> {
  if (!service.configFile) throw new Error(`service "${service.name}" has no configFile`);
  return service.configFile;
}

/** Checks the config file on disk: exists, parses, and passes validateCommand ("{file}" = its path). */
export async function checkConfigFile(service: ServiceConfig, runner: CommandRunner, opts: CheckOptions = {}): Promise<ConfigCheck> {
  const spec = configFileOf(service);
  const file = opts.path ?? spec.path;
  let content: Buffer;
  try {
    content = await readServiceConfigFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing', error: `${file} does not exist` };
    // Something other than a regular file stands there: "missing" as a config, named (rule-config-restore leaves it).
    if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) return { state: 'missing', error: describeReadError(file, err) };
    return { state: 'unreadable', error: describeReadError(file, err) };
  }
  return judge(service, runner, content, file, opts.timeoutMs, opts.signal);
}

/**
 * Checks bytes that are not at the config path yet (a snapshot): they are written to a hidden temp file
 * beside the config (same extension, so the validator sees a look-alike) and removed afterwards.
 */
export async function checkConfigContent(service: ServiceConfig, content: Buffer, runner: CommandRunner, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ConfigCheck> {
  const spec = configFileOf(service);
  const parsed = parseOnly(service, content);
  if (parsed.state !== 'valid' || !spec.validateCommand) return parsed;
  const temp = await writeTempCandidate(spec.path, content);
  if (!temp.beside && includesMove(content, detectFormat(spec.path, spec.format), spec.path, temp.file)) {
    // A look-alike elsewhere resolves a split config's relative $include against the wrong directory: no verdict at all.
    await temp.remove();
    return { state: 'invalid', validator: 'unavailable', checksum: parsed.checksum, content, error: `validateCommand not run: ${temp.why} writing the copy beside the config, and its relative $include files resolve only from there` };
  }
  try {
    return await judge(service, runner, content, temp.file, opts.timeoutMs, opts.signal);
  } finally {
    await temp.remove();
  }
}

async function judge(
  service: ServiceConfig,
  runner: CommandRunner,
  content: Buffer,
  file: string,
  timeoutMs = service.configFile?.validateTimeout ?? 30_000,
  signal?: AbortSignal,
): Promise<ConfigCheck> {
  const spec = configFileOf(service);
  const parsed = parseOnly(service, content);
  if (parsed.state !== 'valid') return parsed;
  // The service reads its $include'd files too: one missing or not parsing blocks its start as the main file would, so
  // the doctor says so even with no validator (or one that reads only the main file). Read only for a config that has any.
  const broken = await brokenIncludes(spec, content, file);
  if (broken) return { ...parsed, ...broken, validator: parsed.validator };
  if (!spec.validateCommand) return parsed;
  const argv = spec.validateCommand.map((a) => a.split('{file}').join(file));
  const runOpts: Parameters<CommandRunner>[1] = { timeoutMs, env: serviceEnv(service) };
  if (service.cwd !== undefined) runOpts.cwd = service.cwd;
  if (signal) runOpts.signal = signal;
  const r = await runner(argv, runOpts);
  const base = { checksum: parsed.checksum, content } as const;
  if (r.error !== undefined || r.timedOut || r.aborted) {
    return { ...base, state: 'invalid', validator: 'unavailable', error: `validateCommand ${describeRun(r)}` };
  }
  if (r.code === 0) return { ...base, state: 'valid', validator: 'passed' };
  const said = cutSnippet(r.stderr.trim() || r.stdout.trim(), ERROR_CHARS);
  return {
    ...base,
    state: 'invalid',
    validator: 'failed',
    error: `validateCommand ${describeRun(r)}${said ? `: ${said}` : ''}`,
    output: { stdout: r.stdout.slice(0, 64 * 1024), stderr: r.stderr.slice(0, 64 * 1024) },
  };
}

/** How a verdict on a broken included file starts (the doctor's finding does not name the files twice). */
export const INCLUDED_FILE_BROKEN = 'the fault is in an included file: ';

/** The included files of config bytes judged at `file` that are missing or do not parse, as a verdict; undefined when none. */
async function brokenIncludes(spec: NonNullable<ServiceConfig['configFile']>, content: Buffer, file: string): Promise<Pick<ConfigCheck, 'state' | 'error'> | undefined> {
  const format = detectFormat(spec.path, spec.format);
  if ((format !== 'json' && format !== 'json5') || !content.includes('$include')) return undefined;
  const p = parseConfigText(content.toString('utf8'), format);
  if (!p.ok || directlyIncludedFiles(file, p.value).length === 0) return undefined;
  const problems = await includeProblems(file, p.value, format);
  if (problems.length === 0) return undefined;
  // "invalid", as the service's validator would say: its own doctor (the least change) may still fix an included file.
  return { state: 'invalid', error: `${INCLUDED_FILE_BROKEN}${describeIncludeProblems(problems)}` };
}

/** Parse only (no validator): "valid" here means "parses". */
export function parseOnly(service: ServiceConfig, content: Buffer): ConfigCheck {
  const spec = configFileOf(service);
  const checksum = sha256(content);
  const outcome = parseConfigText(content.toString('utf8'), detectFormat(spec.path, spec.format));
  if (!outcome.ok) return { state: 'unparseable', error: outcome.error, checksum, content };
  return { state: 'valid', checksum, content, validator: 'none' };
}

/** A relative $include of these bytes names another file from `elsewhere` than from the config's own path. */
function includesMove(content: Buffer, format: ConfigFormat, configPath: string, elsewhere: string): boolean {
  const p = parseConfigText(content.toString('utf8'), format);
  return p.ok && directlyIncludedFiles(configPath, p.value).join('\n') !== directlyIncludedFiles(elsewhere, p.value).join('\n');
}

/** The mark in the name of a candidate config the validity check writes beside the real one (and removes). */
export const VALIDATOR_CANDIDATE_MARK = '.clawback-check-';

async function writeTempCandidate(configPath: string, content: Buffer): Promise<{ file: string; beside: boolean; why?: string; remove(): Promise<void> }> {
  const ext = path.extname(configPath);
  const name = `.${path.basename(configPath, ext)}${VALIDATOR_CANDIDATE_MARK}${randomBytes(4).toString('hex')}${ext}`;
  const besideOriginal = path.join(path.dirname(configPath), name);
  try {
    // Created, then the write failed (a full disk): the partial file is ours, removed, not left in the user's config dir.
    await writeNewFile(besideOriginal, content);
    return { file: besideOriginal, beside: true, remove: () => fs.rm(besideOriginal, { force: true }) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The config's directory is gone, read-only or full: check a look-alike in a private temp dir.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-check-'));
    const remove = (): Promise<void> => fs.rm(dir, { recursive: true, force: true });
    const file = path.join(dir, path.basename(configPath));
    // A temp dir full too: the dir is removed with its refused copy (one empty dir was left per check).
    await writeNewFile(file, content).catch(async (e: unknown) => {
      await remove().catch(() => undefined);
      throw e;
    });
    return { file, beside: false, why: code ?? String(err), remove };
  }
}
