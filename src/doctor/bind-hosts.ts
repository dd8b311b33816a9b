// Which address(es) a service will bind its port on: the port check must judge those, not every address of the machine.
import net from 'node:net';
import type { ServiceConfig } from '../config/schema.js';
import { isContainerEnvironment } from '../presets/container-environment.js';

/**
 * OpenClaw's gateway.bind / --bind modes whose address is fixed (tailnet's is the machine's Tailscale address, not known
 * here: its check stays uncertain). auto is 0.0.0.0 where the gateway sees a container (openclaw 2026.9.6
 * resolveGatewayBindHost), else loopback. custom: see customHosts.
 */
const OPENCLAW_BIND: Readonly<Record<string, string>> = { loopback: '127.0.0.1', lan: '0.0.0.0' };

/** The value of `--bind X` or `--bind=X` in argv, if present. */
function bindFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--bind') return argv[i + 1];
    if (a.startsWith('--bind=')) return a.slice('--bind='.length);
  }
  return undefined;
}

/** An IP literal as listen() takes it ("[::1]" → "::1"); undefined for a name such as localhost. */
function ipLiteral(host: string): string | undefined {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return net.isIP(h) !== 0 ? h : undefined;
}

/**
 * bind custom: gateway.customBindHost when an IPv4 literal, and 127.0.0.1 beside it (seen with openclaw 2026.9.6:
 * customBindHost 127.0.0.2 listens on 127.0.0.2:P and 127.0.0.1:P); no host, or not IPv4: 0.0.0.0, as the gateway does.
 */
function customHosts(customBindHost: string | undefined): string[] {
  if (customBindHost === undefined || net.isIPv4(customBindHost) === false) return ['0.0.0.0'];
  return customBindHost === '0.0.0.0' || customBindHost === '127.0.0.1' ? [customBindHost] : [customBindHost, '127.0.0.1'];
}

async function openclawHosts(service: ServiceConfig, container: () => boolean): Promise<string[] | undefined> {
  // Imported when needed: the preset's reader brings json5, which the daemon's start path does not load otherwise.
  const settings = async (): Promise<{ bind?: string; customBindHost?: string }> =>
    service.configFile ? (await import('../presets/openclaw-detect.js')).readGatewaySettings(service.configFile.path) : {};
  const file = await settings();
  const mode = bindFlag(service.command) ?? file.bind ?? 'loopback';
  if (mode === 'custom') return customHosts(file.customBindHost);
  const host = mode === 'auto' ? (container() ? '0.0.0.0' : '127.0.0.1') : OPENCLAW_BIND[mode];
  return host === undefined ? undefined : [host];
}

/** The hosts the service's own http / tcp / hang / readiness probes reach it on, at its port. */
function probeHosts(service: ServiceConfig): string[] {
  const out = new Set<string>();
  for (const p of service.probes) {
    let host: string | undefined;
    let port: number | undefined;
    if ('url' in p && p.url !== undefined) {
      const u = new URL(p.url);
      host = u.hostname;
      port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
    } else if ((p.kind === 'tcp' || p.kind === 'hang') && p.port !== undefined) {
      host = p.host;
      port = p.port;
    }
    const ip = host === undefined ? undefined : ipLiteral(host);
    if (ip !== undefined && port === service.port) out.add(ip);
  }
  return [...out];
}

/**
 * The addresses the service binds on its port, or undefined when that is not known (the caller then judges a
 * conflict it cannot attribute to one of the service's addresses as uncertain).
 */
export async function serviceBindHosts(service: ServiceConfig, container: () => boolean = () => isContainerEnvironment(process.env)): Promise<string[] | undefined> {
  if (service.openclaw) return openclawHosts(service, container);
  const hosts = probeHosts(service);
  return hosts.length > 0 ? hosts : undefined;
}
