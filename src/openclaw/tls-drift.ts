// gateway.tls.enabled in the gateway's config against the scheme of Clawback's probes: TLS turned on after init makes every http:// probe fail.
import type { ServiceConfig } from '../config/schema.js';

export const TLS_DRIFT = 'tls-drift';

export interface TlsDrift {
  /** gateway.tls.enabled as the gateway reads it (includes resolved). */
  tls: boolean;
  /** The probes (name and URL) that speak the other scheme to the gateway's port. */
  probes: Array<{ name: string; url: string }>;
  file: string;
}

/**
 * Pure: the probes at the service's own port whose scheme the listener does not speak (http:// while it serves
 * HTTPS only, https:// while it serves plain HTTP), or undefined when there is none.
 */
export function tlsDrift(service: ServiceConfig, tls: boolean, file: string): TlsDrift | undefined {
  const wrong = tls ? 'http:' : 'https:';
  const probes: TlsDrift['probes'] = [];
  for (const p of service.probes) {
    if (!('url' in p) || typeof p.url !== 'string') continue;
    let u: URL;
    try {
      u = new URL(p.url);
    } catch {
      continue;
    }
    const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
    if (u.protocol === wrong && port === service.port) probes.push({ name: p.name ?? p.kind, url: p.url });
  }
  return probes.length > 0 ? { tls, probes, file } : undefined;
}

/** The drift for an OpenClaw service, read from its config file now; undefined when it has none or the file does not parse. */
export async function readTlsDrift(service: ServiceConfig): Promise<TlsDrift | undefined> {
  if (!service.openclaw || !service.configFile || service.port === undefined) return undefined;
  // Imported when needed: the preset's reader brings json5, which the daemon's start path does not load otherwise.
  const { readGatewaySettings } = await import('../presets/openclaw-detect.js');
  const s = await readGatewaySettings(service.configFile.path);
  if (s.error !== undefined) return undefined;
  return tlsDrift(service, s.tls === true, service.configFile.path);
}

export function describeTlsDrift(name: string, d: TlsDrift): string {
  const list = d.probes.map((p) => `${p.name} (${p.url})`).join(', ');
  return d.tls
    ? `${name}: its config sets gateway.tls.enabled = true (${d.file}), so the gateway answers HTTPS only, but Clawback probes it over http://: ${list}. ` +
        `Every such probe fails and the healthy gateway gets restarted. In clawback.yaml change those URLs to https:// and add \`insecure: true\` ` +
        `(its generated certificate is self-signed), then \`clawback reload\`; or set gateway.tls.enabled back to false`
    : `${name}: its config does not enable gateway.tls (${d.file}), so the gateway answers plain HTTP, but Clawback probes it over https://: ${list}. ` +
        `Every such probe fails and the healthy gateway gets restarted. In clawback.yaml change those URLs to http://, then \`clawback reload\`; or set gateway.tls.enabled to true`;
}
