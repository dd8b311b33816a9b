// The config a CLI command reads: `logs`, `incidents` and `doctor` each looked for it their own way, and `doctor` typed
// with a daemon's --state-dir (as the live-daemons listing offers it) checked the embedded demo instead of its services.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findConfigFile } from '../config/find-config.js';
import { readDaemonInfoSync } from '../daemon/daemon-info.js';

/**
 * The config that describes the services: the flag, $CLAWBACK_CONFIG or ./clawback.yaml, else the file the daemon of
 * this state directory runs (daemon.json), so a command typed from any directory reads that daemon's services.
 */
export function configFileFor(g: { config?: string }, stateDir: string): string | undefined {
  const found = findConfigFile(g.config ? { file: g.config } : {});
  if (found) return found;
  const running = readDaemonInfoSync(stateDir).info?.configPath;
  return running && path.isAbsolute(running) && existsSync(running) ? running : undefined;
}
