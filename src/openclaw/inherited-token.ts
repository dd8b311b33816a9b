// OPENCLAW_GATEWAY_TOKEN inherited from the daemon's environment becomes the supervised gateway's own auth token: said, never silently.
import type { ServiceConfig } from '../config/schema.js';

export const INHERITED_TOKEN = 'inherited-gateway-token';
const VAR = 'OPENCLAW_GATEWAY_TOKEN';

/**
 * Pure. The gateway's documented rule (openclaw 2026.9.6, docs/gateway/remote.md "Credential precedence", local mode):
 * token = gateway.auth.token, else OPENCLAW_GATEWAY_TOKEN. So a value the daemon merely inherited (a shell that exports it
 * to talk to a remote gateway, or an old one) becomes the local gateway's token when its config sets none and its auth
 * mode uses a token. It is passed through (documented server behaviour some setups rely on), but it must be said:
 * clients holding the config's token are refused, and a daemon started without it (`clawback install`, a reboot) runs
 * the gateway with another one. Not when clawback.yaml names the variable itself (env or unsetEnv): that is a choice.
 */
export function inheritedTokenTakesEffect(service: ServiceConfig, parent: NodeJS.ProcessEnv, gateway: { authToken?: boolean; authMode?: string }): boolean {
  if (!service.openclaw || service.external || !service.inheritEnv) return false;
  if (!parent[VAR]) return false;
  if (Object.hasOwn(service.env, VAR) || service.unsetEnv.includes(VAR)) return false;
  if (gateway.authToken) return false;
  return gateway.authMode === undefined || gateway.authMode === 'token';
}

/** Read from the service's config file now; false when it has none or it does not parse (the gateway would not start). */
export async function readInheritedToken(service: ServiceConfig, parent: NodeJS.ProcessEnv): Promise<boolean> {
  if (!service.openclaw || !service.configFile) return false;
  // Imported when needed: the preset's reader brings json5, which the daemon's start path does not load otherwise.
  const { readGatewaySettings } = await import('../presets/openclaw-detect.js');
  const s = await readGatewaySettings(service.configFile.path);
  if (s.error !== undefined) return false;
  return inheritedTokenTakesEffect(service, parent, s);
}

export function describeInheritedToken(name: string, file: string): string {
  return (
    `${name}: ${VAR} is set in the daemon's environment and its config (${file}) sets no gateway.auth.token, so the gateway takes ` +
    `the inherited value as its auth token (OpenClaw: gateway.auth.token, else ${VAR}). Clients holding another token are refused, ` +
    `and a daemon started without it (\`clawback install\`, a reboot) gives the gateway a different one. To keep it, set gateway.auth.token ` +
    `(or ${VAR} in the service's env in clawback.yaml); if it was meant for a remote gateway, add ${VAR} to unsetEnv`
  );
}

/** Said by `clawback init`: the variable is in the shell that will most likely start the daemon (`clawback run`). */
export function describeInheritedTokenAtInit(file: string): string {
  return (
    `${VAR} is set in this environment and ${file} sets no gateway.auth.token: a daemon started from here (\`clawback run\`) ` +
    `passes it on and the gateway takes it as its auth token (OpenClaw: gateway.auth.token, else ${VAR}), while a daemon started ` +
    `without it (\`clawback install\`, a reboot) gives the gateway a different one. To keep it, set gateway.auth.token ` +
    `(or ${VAR} in the service's env in clawback.yaml); if it was meant for a remote gateway, add ${VAR} to the service's unsetEnv`
  );
}
