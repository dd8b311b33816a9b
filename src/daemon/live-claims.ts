// Every live daemon of this user that claimed a config file: the CLI lists them where it finds no daemon, so a person who
// typed the command in another directory (or named a missing file) is shown where theirs runs, not a `run` of the demo.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { claimDirProblem, defaultClaimDir, readConfigClaim, type ConfigClaim } from './config-claim.js';
import { readRegularFileSync } from '../platform/read-regular.js';

export interface LiveDaemon extends ConfigClaim {
  /** The config file it claimed (its real path when it started; the file may be gone since). */
  configFile: string;
}

/** At most this many claims are read per listing (a listing is one error message). */
const LIST_MAX = 200;

/**
 * The live daemons in the claims dir, each checked as readConfigClaim checks one (trusted dir, pid alive with the lock's
 * start time, the file named by its path's hash), sorted by config file; [] when there is none or the dir is unusable.
 */
export function liveDaemons(dir = defaultClaimDir()): LiveDaemon[] {
  let names: string[];
  try {
    if (claimDirProblem(dir) !== undefined) return [];
    names = readdirSync(dir).filter((n) => /^[0-9a-f]{16}\.json$/.test(n)).slice(0, LIST_MAX);
  } catch {
    return [];
  }
  const found: LiveDaemon[] = [];
  for (const name of names) {
    try {
      const info = JSON.parse(readRegularFileSync(path.join(dir, name)).toString('utf8')) as { configFile?: unknown };
      if (typeof info.configFile !== 'string') continue;
      const claim = readConfigClaim(info.configFile, dir);
      if (claim) found.push({ ...claim, configFile: info.configFile });
    } catch {
      // Torn, removed meanwhile, not a regular file: not a daemon that can be named.
    }
  }
  return found.sort((a, b) => a.configFile.localeCompare(b.configFile));
}
