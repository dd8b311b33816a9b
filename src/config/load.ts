// Finding, reading and validating the config file; relative paths resolved against the file's folder.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { duplicateKeyWords } from './duplicate-key.js';
import { clawbackConfigSchema, type ClawbackConfig } from './schema.js';
import { ConfigError, problemsFromZod } from './errors.js';
import { demoConfig } from './demo-preset.js';
import { expandInstances, templateView } from './expand-instances.js';
import { unusableValues } from './unusable-values.js';
import { logFileClashes } from './log-file-clashes.js';
import { caseWarnings } from './case-clashes.js';
import { envPlaceholderWarnings } from './env-placeholders.js';
import { literalPathWarnings } from './literal-paths.js';
import { sharedPortWarnings } from './shared-ports.js';
import { fenceGraceWarnings } from '../cluster/fence-grace-warnings.js';
import { predictionSampleWarnings } from '../predict/sample-warnings.js';
import { tlsSchemeWarnings } from '../cluster/tls-scheme-warnings.js';
import { unsendableChannelWarnings } from '../notify/unsendable-channels.js';
import { duplicateDestinationWarnings } from '../notify/duplicate-destinations.js';
import { formatBytes } from '../probes/byte-size.js';
import { MAX_CONFIG_NESTING, tooDeep } from './nesting-depth.js';
import { effectiveCount, overridePortClashes, readScaleOverrides, type RefusedOverride, type ScaleOverrides } from '../instances/scale-store.js';
import { errnoText } from '../platform/errno-words.js';
import { withSourcePositions } from './source-positions.js';
import { namedWarning, withOwners } from './problem-owners.js';
import { configSyntax, parseJson5 } from './json5-source.js';
import { expandHome, typedPath } from './home-path.js';
import { pathSlots } from './path-fields.js';

export { CONFIG_CANDIDATES, findConfigFile } from './find-config.js';
import { findConfigFile, MAX_CONFIG_BYTES } from './find-config.js';
export { MAX_CONFIG_BYTES } from './find-config.js';
import { fillOpenclawRestartDefaults } from '../openclaw/preset-defaults.js';

export interface LoadedConfig {
  /** What to supervise: a scaled service appears as its instances `NAME:0..N-1`. */
  config: ClawbackConfig;
  /** The file as declared (a scaled service once, as its instance 0), paths not resolved: what `clawback scale` expands again. */
  declared: ClawbackConfig;
  /** The parsed file, placeholders intact. */
  raw: unknown;
  /** Absolute path of the file, or undefined for the embedded demo default. */
  file: string | undefined;
  stateDir: string;
  /** Valid but likely not meant (names only case tells apart, `${VAR}` in env): said by validate, at start and on reload. */
  warnings: string[];
  /** scale.json counts not applied: their instances would reach a port the file gives another service (a reload refuses then). */
  overridesRefused?: RefusedOverride[];
}

export interface LoadOptions {
  file?: string;
  stateDir?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function resolveStateDir(fromConfig: string | undefined, opts: LoadOptions, base: string): string {
  const env = opts.env ?? process.env;
  // A flag or variable typed in a shell is relative to where it was typed, as every client command reads it;
  // only the config's own stateDir is relative to the config file.
  const typed = opts.stateDir ?? env.CLAWBACK_STATE_DIR;
  if (typed) return typedPath(typed, opts.cwd ?? process.cwd());
  return path.resolve(base, expandHome(fromConfig ?? path.join(os.homedir(), '.clawback')));
}

export function parseConfigSource(text: string, file: string): unknown {
  let raw: unknown;
  const deep = tooDeep(text);
  if (deep) {
    throw new ConfigError(file, [{ path: '(file)', message: `nests lists and maps more than ${MAX_CONFIG_NESTING} levels deep at line ${deep.line}: expected at most ${MAX_CONFIG_NESTING} (is it the right file?)` }]);
  }
  const json5 = configSyntax(file, text) === 'json5';
  if (json5) raw = parseJson5(text, file);
  else try {
    // YAML is a superset of JSON, so one parser serves both; errors carry line and column. Merge keys (`<<: *defaults`)
    // as docker-compose files use them; a recursive one is still found by unusableValues, alias counts bounded by yaml.
    const doc = YAML.parseDocument(text, { prettyErrors: true, merge: true });
    if (doc.errors.length > 0) throw doc.errors[0]!;
    raw = doc.toJS() as unknown;
  } catch (err) {
    const first = (err as Error).message.split('\n')[0]!;
    // yaml's bound on alias expansion is also what a merge key inside its own anchor (`&a {<<: *a}`) runs into.
    const hint = /excessive alias count/i.test(first) ? ' (aliases expand too often: a `<<: *name` or `*name` inside the block &name anchors, or aliases of aliases nested too deep); expected each alias to expand a few times' : '';
    const at = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    // The position attached is printed after the message ("(t.yaml:2:1)"): yaml's own "at line 2, column 1:" said it twice.
    const pos = (err as { code?: string; pos?: [number, number] }).code === 'DUPLICATE_KEY' ? (err as { pos?: [number, number] }).pos : undefined;
    const duplicate = pos ? duplicateKeyWords(text, pos[0]) : undefined;
    const words = duplicate ?? (at ? first.replace(/ at line \d+, column \d+:?\s*$/, '') : first);
    throw new ConfigError(file, [{ path: '(file)', message: `cannot parse: ${words}${hint}`, ...(at ? { line: at.line, col: at.col } : {}) }]);
  }
  const problems = unusableValues(raw);
  if (problems.length > 0) throw new ConfigError(file, withSourcePositions(text, problems, json5 ? raw : undefined));
  return withoutExtensionFields(raw);
}

/** Top-level `x-` keys are the file's own (docker-compose's extension fields: where `&defaults` anchors live); not config. */
function withoutExtensionFields(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('x-')));
}

/** The file as declared (scaled services as their instance 0); problems name the field, the value and what was expected. */
export function validateDeclared(raw: unknown, file: string): ClawbackConfig {
  // An empty file (or one of comments only, or `~`) parses to null: "(top level): expected object, received null" did not say so.
  if (raw === null || raw === undefined) {
    throw new ConfigError(file, [{ path: '(file)', message: 'is empty (nothing but blank lines, comments or null): expected the settings, at least a `services:` list (`clawback init` writes one)' }]);
  }
  const { view, problems } = templateView(raw);
  const result = clawbackConfigSchema.safeParse(view);
  const all = [...problems, ...(result.success ? [] : problemsFromZod(result.error, view, clawbackConfigSchema))];
  if (all.length > 0 || !result.success) throw new ConfigError(file, withOwners(raw, all));
  for (const s of result.data.services) fillOpenclawRestartDefaults(s);
  return result.data;
}

/** Validates a config and expands scaled services into their instances (the counts the file declares). */
export function validateConfig(raw: unknown, file: string, overrides: ScaleOverrides = {}): ClawbackConfig {
  const declared = validateDeclared(raw, file);
  try {
    return expandInstances(raw, declared, file, (s) => effectiveCount(s, overrides));
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.file, withOwners(raw, err.problems));
    throw err;
  }
}

/** The services to supervise for the given scale overrides, paths resolved: what loadConfig and `clawback scale` use. */
export function materialize(loaded: Pick<LoadedConfig, 'raw' | 'declared' | 'file'>, overrides: ScaleOverrides, cwd: string = process.cwd()): ClawbackConfig {
  const where = loaded.file ?? '(embedded demo config)';
  const config = expandInstances(loaded.raw, structuredClone(loaded.declared), where, (s) => effectiveCount(s, overrides));
  return resolvePaths(withoutDaemonSecrets(config), loaded.file ? path.dirname(loaded.file) : cwd);
}

/**
 * The daemon's own credentials are not inherited by the services it runs: the variable holding the etcd password
 * (cluster.auth.passwordEnv) would give every service (and whatever it logs or runs) write access to the leader keys.
 * A service that names the variable in its own `env` still gets that value.
 */
function withoutDaemonSecrets(config: ClawbackConfig): ClawbackConfig {
  const secret = config.cluster?.auth?.passwordEnv;
  if (secret) for (const s of config.services) if (!s.unsetEnv.includes(secret)) s.unsetEnv.push(secret);
  return config;
}

/**
 * Every path field of path-fields.ts's one table, `~` expanded, made absolute against what it is relative to (a
 * service's probe paths were used as written once: relative to the daemon's cwd, `~` literal).
 */
function resolvePaths(config: ClawbackConfig, base: string): ClawbackConfig {
  for (const s of config.services) s.cwd ??= '.';
  const svc = (field: string): ClawbackConfig['services'][number] => config.services[Number(/^services\[(\d+)\]/.exec(field)![1])]!;
  for (const f of pathSlots(config)) {
    const value = f.get();
    if (value === undefined || f.base === 'resolved-elsewhere') continue;
    // An empty single value stays empty (its reader takes it as not set), as before the one table; a service's cwd
    // and list entries were always resolved.
    if (value === '' && !f.field.endsWith(']') && !/^services\[\d+\]\.cwd$/.test(f.field)) continue;
    // The slots come cwd first, configFile.path before its globs: what a field is relative to is resolved by then.
    const from = f.base === 'file-folder' ? base : f.base === 'service-cwd' ? svc(f.field).cwd! : path.dirname(svc(f.field).configFile!.path);
    f.set(path.resolve(from, expandHome(value)));
  }
  for (const s of config.services) {
    const first = s.command[0];
    if (first && !s.shell && (first.startsWith('./') || first.startsWith('../'))) s.command[0] = path.resolve(s.cwd!, first);
  }
  return config;
}


/** How long a pipe (`-c /dev/stdin` fed by a command) may take to give its first and later bytes. */
const PIPE_WAIT_MS = 10_000;

/** Sleeps this thread (the loader is synchronous, and runs in its own process for the daemon). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The file's text, read no further than MAX_CONFIG_BYTES (a pipe or device has no size to check first). Opened
 * without blocking: a FIFO nobody writes to (a deploy tool's `mkfifo` in the config's place) made open() wait forever
 * (`validate` hung, the daemon's loader was killed after 60 s as "a hung filesystem?"); it is named instead. A pipe
 * with a writer is still read, waiting at most PIPE_WAIT_MS for bytes.
 */
export function readConfigText(file: string): string {
  const tooBig = (size: string): ConfigError =>
    new ConfigError(file, [{ path: '(file)', message: `is ${size}: expected a config file of at most ${formatBytes(MAX_CONFIG_BYTES)} (is it the right file?)` }]);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot read: ${errnoText(err)}` }]);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ConfigError(file, [{ path: '(file)', message: `cannot read: ${errnoText({ code: 'EISDIR' })}` }]);
    if (st.isFile() && st.size > MAX_CONFIG_BYTES) throw tooBig(formatBytes(st.size));
    if (st.isSocket()) throw new ConfigError(file, [{ path: '(file)', message: 'is a socket: expected a config file' }]);
    const chunks: Buffer[] = [];
    let total = 0;
    let waitedMs = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        // A pipe whose writer has not written yet.
        if (waitedMs >= PIPE_WAIT_MS) throw new ConfigError(file, [{ path: '(file)', message: `is a FIFO that gave no more bytes in ${PIPE_WAIT_MS / 1000} s: expected a config file` }]);
        pause(20);
        waitedMs += 20;
        continue;
      }
      if (n === 0 && total === 0 && st.isFIFO()) {
        throw new ConfigError(file, [{ path: '(file)', message: 'is a FIFO with nothing written to it (no writer): expected a config file (a regular file)' }]);
      }
      if (n === 0) break;
      waitedMs = 0;
      total += n;
      if (total > MAX_CONFIG_BYTES) throw tooBig(`over ${formatBytes(MAX_CONFIG_BYTES)}`);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, [{ path: '(file)', message: `cannot read: ${errnoText(err)}` }]);
  } finally {
    closeSync(fd);
  }
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(opts);
  if (!file) {
    const stateDir = resolveStateDir(undefined, opts, cwd);
    const raw = demoConfig(stateDir);
    const declared = validateDeclared(raw, '(embedded demo config)');
    return { config: materialize({ raw, declared, file: undefined }, readScaleOverrides(stateDir), cwd), declared, raw, file: undefined, stateDir, warnings: [] };
  }
  const text = readConfigText(file);
  let raw: unknown;
  try {
    raw = parseConfigSource(text, file);
    return loadFromRaw(raw, file, opts);
  } catch (err) {
    // Every problem found in the file (schema, cross-field rules, unknown keys, clashes) says where it is, and which
    // service, probe or channel it is about by name.
    if (err instanceof ConfigError && err.file === file) throw new ConfigError(file, withSourcePositions(text, withOwners(raw, err.problems), raw !== undefined && configSyntax(file, text) === 'json5' ? raw : undefined));
    throw err;
  }
}

function loadFromRaw(raw: unknown, file: string, opts: LoadOptions): LoadedConfig {
  const declared = validateDeclared(raw, file);
  const stateDir = resolveStateDir(declared.stateDir, opts, path.dirname(file));
  const logsDir = (dir: string): string => path.resolve(path.dirname(file), expandHome(dir));
  const clashes = logFileClashes(declared, stateDir, logsDir);
  if (clashes.length > 0) throw new ConfigError(file, clashes);
  const warnings = [
    ...caseWarnings(declared, file, [stateDir, ...declared.services.flatMap((s) => (s.logs.dir ? [logsDir(s.logs.dir)] : []))]),
    ...envPlaceholderWarnings(declared),
    ...literalPathWarnings(declared),
    ...sharedPortWarnings(declared),
    ...fenceGraceWarnings(declared),
    ...tlsSchemeWarnings(declared),
    ...predictionSampleWarnings(declared),
    ...unsendableChannelWarnings(declared.notify),
    ...duplicateDestinationWarnings(declared.notify),
  ].map((w) => namedWarning(raw, w));
  const overrides = readScaleOverrides(stateDir, (why) => warnings.push(why));
  const overridesRefused = overridePortClashes(declared.services, overrides, declared.api.port);
  for (const r of overridesRefused) {
    delete overrides[r.service];
    warnings.push(`${r.message}; the file's count applies (scale it again, or move the other service)`);
  }
  return { config: materialize({ raw, declared, file }, overrides), declared, raw, file, stateDir, warnings, ...(overridesRefused.length > 0 ? { overridesRefused } : {}) };
}
