// The port in the service's own config against the one Clawback runs and probes it on: a difference is reported, loudly.
import type { ServiceConfig } from '../config/schema.js';
import { detectFormat, parseConfigText, readServiceConfigFile } from '../platform/config-file.js';
import { resolvedConfig } from '../platform/config-includes.js';
import { getPath } from './config-paths.js';

export const PORT_DRIFT = 'port-drift';

export interface PortDrift {
  /** The port Clawback pins (command line) and probes. */
  supervised: number;
  /** The port the service's config names at configFile.portPath. */
  configured: number;
  path: string;
  file: string;
}

/** Pure: a port-like value from a parsed config. */
export function portValue(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * The drift, or undefined when the service has no port/portPath, the file does not parse (that is the
 * doctor's business) or the two agree.
 */
export async function readPortDrift(service: ServiceConfig): Promise<PortDrift | undefined> {
  const spec = service.configFile;
  if (!spec?.portPath || service.port === undefined) return undefined;
  let text: string;
  try {
    text = (await readServiceConfigFile(spec.path)).toString('utf8');
  } catch {
    return undefined;
  }
  const format = detectFormat(spec.path, spec.format);
  const parsed = parseConfigText(text, format);
  if (!parsed.ok) return undefined;
  // As the service reads it: a port kept in an `$include`d file counts.
  const configured = portValue(getPath((await resolvedConfig(spec.path, parsed.value, format)).value, spec.portPath));
  if (configured === undefined || configured === service.port) return undefined;
  return { supervised: service.port, configured, path: spec.portPath, file: spec.path };
}

export function describePortDrift(name: string, d: PortDrift): string {
  return (
    `${name}: its config sets ${d.path} = ${d.configured} (${d.file}), but Clawback runs and probes it on port ${d.supervised}; ` +
    `clients and tools that read the config (\`openclaw health\`) will not find it. ` +
    `Set port and the --port argument in clawback.yaml to ${d.configured} and restart the daemon, or set ${d.path} back to ${d.supervised}`
  );
}
