// Where the config file is (flag, env, current directory) — light enough for every CLI command to load.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { typedPath } from './home-path.js';

// clawback.json5 too: a JSON5 config is read by its name, yet one in the current directory was passed over for the demo.
export const CONFIG_CANDIDATES = ['clawback.yaml', 'clawback.yml', 'clawback.json', 'clawback.json5'];

export interface FindOptions {
  file?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Explicit file, else CLAWBACK_CONFIG, else ./clawback.yaml|yml|json|json5, else undefined (embedded demo). */
export function findConfigFile(opts: FindOptions): string | undefined {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const explicit = opts.file ?? env.CLAWBACK_CONFIG;
  if (explicit) {
    return typedPath(explicit, cwd);
  }
  for (const name of CONFIG_CANDIDATES) {
    const p = path.join(cwd, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Far above any real config (a few KiB; 64 scaled services with probes stay under 100 KiB). A bigger file is the wrong
 * file, and the YAML parser's duplicate-key check is quadratic: 5 MB took 30 s, 50 MB over 10 minutes and ~1 GB,
 * and /dev/zero grew until the process aborted.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;
