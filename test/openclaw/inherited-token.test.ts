// OPENCLAW_GATEWAY_TOKEN in the daemon's environment (a shell that exports it for a remote gateway) and no
// gateway.auth.token in the config: the real gateway 2026.9.6 under `clawback run` took the inherited value as its own
// token (POST /tools/invoke: 200 with it, 401 with any other) and the daemon said nothing. It must say so at start.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { findingsOf, standInGateway } from './stand-in-gateway.js';

const INHERITED = 'inherited-tok-5e4d3c2b1a';

let td: TestDaemon | undefined;
const before = process.env.OPENCLAW_GATEWAY_TOKEN;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  if (before === undefined) delete process.env.OPENCLAW_GATEWAY_TOKEN;
  else process.env.OPENCLAW_GATEWAY_TOKEN = before;
});

const gatewayConfig = (port: number, auth = ''): string => `{ gateway: { mode: "local", bind: "loopback", port: ${port}${auth} } }\n`;

async function service(dir: string, name: string, extra: Record<string, unknown> = {}): Promise<{ svc: Record<string, unknown>; cfg: string; port: number }> {
  const port = await freePort();
  const cfg = path.join(dir, `${name}.json`);
  writeFileSync(cfg, gatewayConfig(port));
  const svc = standInGateway({
    name,
    port,
    cfg,
    probes: [{ kind: 'http', name: 'liveness', url: `http://127.0.0.1:${port}/healthz`, interval: '1s', timeout: '1s', startupGrace: '30s' }],
    extra,
  });
  return { svc, cfg, port };
}

describe('OPENCLAW_GATEWAY_TOKEN inherited by the gateway', () => {
  it('is reported at start (never its value) when the config sets no token, not when clawback.yaml names it, and cleared when the config sets one', async () => {
    process.env.OPENCLAW_GATEWAY_TOKEN = INHERITED;
    const dir = tempDir('clawback-inherited-token-');
    const a = await service(dir, 'gw');
    // Named in clawback.yaml: a choice, nothing to say.
    const b = await service(dir, 'gw-chosen', { env: { OPENCLAW_GATEWAY_TOKEN: 'chosen-value' } });
    td = await startTestDaemon({ services: [a.svc, b.svc] }, { dir });
    const found = () => findingsOf(td!, 'inherited-gateway-token');
    await waitFor(() => found().length > 0, { timeoutMs: 15_000 });
    const w = found()[0]!;
    expect(w.service).toBe('gw');
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('OPENCLAW_GATEWAY_TOKEN is set in the daemon');
    expect(w.message).toContain('sets no gateway.auth.token');
    expect(w.message).toContain('unsetEnv');
    expect(JSON.stringify(td.events)).not.toContain(INHERITED);

    writeFileSync(a.cfg, gatewayConfig(a.port, ', auth: { mode: "token", token: "from-config-1234" }'));
    await waitFor(() => found().some((e) => e.details?.resolved === true), { timeoutMs: 15_000 });
    expect(found().filter((e) => e.severity === 'warning')).toHaveLength(1);
    expect(found().filter((e) => e.service === 'gw-chosen')).toEqual([]);
  }, 60_000);
});
