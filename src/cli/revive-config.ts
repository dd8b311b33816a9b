// What a command that starts the daemon for a state directory runs it with: the config (and --api-port) that daemon.json
// says it last ran, not ./clawback.yaml of wherever the command is typed nor the embedded demo on OpenClaw's port.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findConfigFile } from '../config/find-config.js';
import type { DaemonInfo } from '../daemon/daemon-info.js';

export interface ReviveConfig {
  /** The config file to run, undefined for the embedded demo. */
  configPath: string | undefined;
  /** The `--api-port` the daemon ran with, to run it with again. */
  apiPort?: number;
  /** Where it came from, for the report. */
  source: 'flag' | 'env' | 'daemon.json' | 'search';
  /** Said in the report when it came from daemon.json. */
  said?: string;
}

/** A config the daemon last ran that is no longer there: starting anything else would supervise the wrong services. */
export class RecordedConfigGone extends Error {}

/** daemon.json is there but cannot be read (a FIFO, a directory, not JSON, EACCES): which config it records is unknown. */
export class RecordedConfigUnreadable extends RecordedConfigGone {}

export interface ReviveConfigInput {
  /** --config */
  flag?: string | undefined;
  stateDir: string;
  /** What daemon.json of stateDir holds, null when there is none (or it is unreadable). */
  info: DaemonInfo | null;
  /** Why daemon.json could not be read when it is there (its read's detail), undefined when it was read or is missing. */
  unreadable?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  exists?: (file: string) => boolean;
}

/**
 * --config, $CLAWBACK_CONFIG, the config daemon.json records, else the usual search (./clawback.yaml, the demo).
 * Throws RecordedConfigGone, and RecordedConfigUnreadable when daemon.json is there but cannot be read: a daemon ran
 * here, with a config no one can tell, so ./clawback.yaml of the cwd would start another one's services.
 */
export function reviveConfig(input: ReviveConfigInput): ReviveConfig {
  const env = input.env ?? process.env;
  const find = { env, ...(input.cwd !== undefined ? { cwd: input.cwd } : {}) };
  const apiPort = input.info?.apiPortOverride !== undefined ? { apiPort: input.info.apiPortOverride } : {};
  if (input.flag || env.CLAWBACK_CONFIG) {
    const configPath = findConfigFile({ ...find, ...(input.flag ? { file: input.flag } : {}) });
    // The port it ran with goes with the config it ran, not with another one named now.
    const same = input.info !== null && configPath === (input.info.configPath || undefined);
    return { configPath, source: input.flag ? 'flag' : 'env', ...(same ? apiPort : {}) };
  }
  if (!input.info && input.unreadable !== undefined) {
    throw new RecordedConfigUnreadable(
      `${path.join(input.stateDir, 'daemon.json')} cannot be read (${input.unreadable}), so the config its daemon last ran is unknown: not starting ./clawback.yaml, the embedded demo or another config in its place; name the config with --config (or remove that daemon.json if no daemon ran here)`,
    );
  }
  if (!input.info) return { configPath: findConfigFile(find), source: 'search' };
  const port = input.info.apiPortOverride !== undefined ? ` with --api-port ${input.info.apiPortOverride}` : '';
  const recorded = input.info.configPath;
  if (recorded === '') return { configPath: undefined, source: 'daemon.json', ...apiPort, said: `config: the embedded demo${port}, as the daemon of ${input.stateDir} last ran (daemon.json)` };
  if (!(input.exists ?? existsSync)(recorded)) {
    throw new RecordedConfigGone(
      `the config the daemon of ${input.stateDir} last ran (${recorded}, from daemon.json) is gone: not starting the embedded demo or another config in its place; put the file back or name one with --config`,
    );
  }
  return { configPath: recorded, source: 'daemon.json', ...apiPort, said: `config: ${recorded}${port}, as the daemon of ${input.stateDir} last ran (daemon.json)` };
}
