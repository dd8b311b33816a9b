// gateway.bind in the gateway's config against the --bind the preset pins on its command line: the flag wins, so a later edit of the config is silently ignored.
import type { ServiceConfig } from '../config/schema.js';

export const BIND_DRIFT = 'bind-drift';

export interface BindDrift {
  /** The --bind value of the command line Clawback runs the gateway with. */
  supervised: string;
  /** gateway.bind as the gateway's config names it (includes resolved). */
  configured: string;
  file: string;
}

/** Pure: the value after --bind (or of --bind=V) in a command line; undefined without one. */
export function commandBind(command: readonly string[] | undefined): string | undefined {
  if (!command) return undefined;
  let found: string | undefined;
  command.forEach((arg, i) => {
    if (arg === '--bind' && i + 1 < command.length) found = command[i + 1];
    else if (arg.startsWith('--bind=')) found = arg.slice('--bind='.length);
  });
  return found;
}

/** Pure: the drift, or undefined when the config names no bind or names the one on the command line. */
export function bindDrift(command: readonly string[] | undefined, configured: string | undefined, file: string): BindDrift | undefined {
  const supervised = commandBind(command);
  if (supervised === undefined || configured === undefined || configured === supervised) return undefined;
  return { supervised, configured, file };
}

/** The drift for an OpenClaw service Clawback runs, read from its config file now; undefined when the file does not parse. */
export async function readBindDrift(service: ServiceConfig): Promise<BindDrift | undefined> {
  if (!service.openclaw || !service.configFile || !service.command) return undefined;
  // Imported when needed: the preset's reader brings json5, which the daemon's start path does not load otherwise.
  const { readGatewaySettings } = await import('../presets/openclaw-detect.js');
  const s = await readGatewaySettings(service.configFile.path);
  if (s.error !== undefined) return undefined;
  return bindDrift(service.command, s.bind, service.configFile.path);
}

export function describeBindDrift(name: string, d: BindDrift): string {
  return (
    `${name}: its config sets gateway.bind = "${d.configured}" (${d.file}), but Clawback starts it with --bind ${d.supervised}, ` +
    `which wins: the gateway keeps listening as "${d.supervised}" and the config's value is ignored. ` +
    `To use "${d.configured}", change the --bind argument in clawback.yaml and restart the daemon; or set gateway.bind back to "${d.supervised}"`
  );
}
