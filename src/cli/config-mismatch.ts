// `status -c bad.yaml` showed whichever daemon served the state directory that file led to (another config's) without a
// word: this names the config the person meant when the daemon found runs another one.
import { existsSync } from 'node:fs';
import { findConfigFile } from '../config/find-config.js';
import { realOrSame } from '../daemon/daemon-identity.js';
import type { GlobalOpts } from './client.js';
import { cliHint } from './cli-command.js';
import { readConfigClaim } from '../daemon/config-claim.js';

/**
 * The config file this command was pointed at (--config, $CLAWBACK_CONFIG, or ./clawback.yaml when it chose the state
 * directory), or undefined when none took part (a --state-dir or $CLAWBACK_STATE_DIR chose it and no file was named).
 */
export function configMeant(opts: GlobalOpts, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = opts.config !== undefined || !!env.CLAWBACK_CONFIG;
  if (!named && (opts.stateDir || env.CLAWBACK_STATE_DIR)) return undefined;
  return findConfigFile(opts.config ? { file: opts.config, env } : { env });
}

/** The warning when the daemon found (pid, running `running`, null: the embedded demo) does not run `meant`; else undefined. */
export function configMismatch(meant: string | undefined, daemon: { pid: number; configFile: string | null; stateDir: string }): string | undefined {
  if (meant === undefined) return undefined;
  if (daemon.configFile !== null && realOrSame(daemon.configFile) === realOrSame(meant)) return undefined;
  const runs = daemon.configFile ?? 'the embedded demo';
  const gone = existsSync(meant) ? '' : ' (which does not exist)';
  const claim = readConfigClaim(meant);
  const its = claim ? `its daemon (pid ${claim.pid}) serves ${claim.stateDir}: ${cliHint(['status'], { stateDir: claim.stateDir })}` : `no daemon runs ${meant}`;
  return `this is not the daemon of ${meant}${gone}: the daemon of ${daemon.stateDir} (pid ${daemon.pid}) runs ${runs}; ${its}`;
}
