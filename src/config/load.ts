// Finding, reading and validating the config file; relative paths resolved against the file's folder.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { clawbackConfigSchema, type ClawbackConfig } from './schema.js';
import { ConfigError, problemsFromZod } from './errors.js';
import { demoConfig } from './demo-preset.js';

export { CONFIG_CANDIDATES, findConfigFile } from './find-config.js';
import { findConfigFile } from './find-config.js';

export interface LoadedConfig {
  config: ClawbackConfig;
  /** Absolute path of the file, or undefined for the embedded demo default. */
  file: string | undefined;
  stateDir: string;
}

export interface LoadOptions {
  file?: string;
  stateDir?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

export function resolveStateDir(fromConfig: string | undefined, opts: LoadOptions, base: string): string {
  const env = opts.env ?? process.env;
  const chosen = opts.stateDir ?? env.CLAWBACK_STATE_DIR ?? fromConfig ?? path.join(os.homedir(), '.clawback');
  return path.resolve(base, expandHome(chosen));
}

export function parseConfigSource(text: string, file: string): unknown {
  try {
    // YAML is a superset of JSON, so one parser serves both; errors carry line and column.
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) throw doc.errors[0]!;
    return doc.toJS() as unknown;
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot parse: ${(err as Error).message.split('\n')[0]}` }]);
  }
}

export function validateConfig(raw: unknown, file: string): ClawbackConfig {
  const result = clawbackConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(file, problemsFromZod(result.error, raw));
  return result.data;
}

function resolvePaths(config: ClawbackConfig, base: string): ClawbackConfig {
  const abs = (p: string): string => path.resolve(base, expandHome(p));
  for (const s of config.services) {
    s.cwd = abs(s.cwd ?? '.');
    if (s.configFile) s.configFile.path = path.resolve(s.cwd, expandHome(s.configFile.path));
    if (s.logs.dir) s.logs.dir = abs(s.logs.dir);
    s.pidFiles = s.pidFiles.map((p) => path.resolve(s.cwd!, expandHome(p)));
    s.lockFiles = s.lockFiles.map((p) => path.resolve(s.cwd!, expandHome(p)));
    if (s.update) {
      if (s.update.dir) s.update.dir = path.resolve(s.cwd, expandHome(s.update.dir));
      s.update.stateFiles = s.update.stateFiles.map((p) => path.resolve(s.cwd!, expandHome(p)));
      s.update.pathPrefix = s.update.pathPrefix.map((p) => path.resolve(s.cwd!, expandHome(p)));
    }
    s.requiredDirs = s.requiredDirs.map((p) => path.resolve(s.cwd!, expandHome(p)));
    const first = s.command[0];
    if (first && !s.shell && (first.startsWith('./') || first.startsWith('../'))) s.command[0] = path.resolve(s.cwd, first);
    if (s.external?.pidFile) s.external.pidFile = path.resolve(s.cwd, expandHome(s.external.pidFile));
  }
  return config;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(opts);
  if (!file) {
    const stateDir = resolveStateDir(undefined, opts, cwd);
    const config = validateConfig(demoConfig(stateDir), '(embedded demo config)');
    return { config: resolvePaths(config, cwd), file: undefined, stateDir };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  const raw = parseConfigSource(text, file);
  const config = validateConfig(raw, file);
  const base = path.dirname(file);
  const stateDir = resolveStateDir(config.stateDir, opts, base);
  return { config: resolvePaths(config, base), file, stateDir };
}
