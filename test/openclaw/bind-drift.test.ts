// The preset pins `--bind <value at init>` on the gateway's command line, and the flag beats gateway.bind in its config.
// Seen with the real gateway 2026.9.6: config gateway.bind "lan" (with a token), `gateway run --bind loopback`: it listened
// on 127.0.0.1 and [::1] only; the person's change of gateway.bind was ignored and the daemon said nothing.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bindDrift, commandBind } from '../../src/openclaw/bind-drift.js';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { findingsOf, standInGateway } from './stand-in-gateway.js';


let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const gatewayConfig = (port: number, bind: string): string => `{ gateway: { mode: "local", bind: "${bind}", port: ${port}, auth: { token: "t0k3n-t0k3n-t0k3n" } } }\n`;

describe('gateway.bind against the --bind Clawback runs the gateway with', () => {
  it('reads the flag in both spellings, and a config that names no bind is no drift', () => {
    expect(commandBind(['openclaw', 'gateway', 'run', '--bind', 'loopback', '--port', '1'])).toBe('loopback');
    expect(commandBind(['openclaw', 'gateway', 'run', '--bind=lan'])).toBe('lan');
    expect(commandBind(['openclaw', 'gateway', 'run'])).toBeUndefined();
    expect(bindDrift(['x', '--bind', 'loopback'], undefined, 'f')).toBeUndefined();
    expect(bindDrift(['x', '--bind', 'loopback'], 'loopback', 'f')).toBeUndefined();
    expect(bindDrift(['x'], 'lan', 'f')).toBeUndefined();
    expect(bindDrift(['x', '--bind', 'loopback'], 'lan', 'f')).toEqual({ supervised: 'loopback', configured: 'lan', file: 'f' });
  });

  it('is reported at start, once, with what to change, and the all-clear when the two agree again', async () => {
    const dir = tempDir('clawback-bind-drift-');
    const port = await freePort();
    const cfg = path.join(dir, 'openclaw.json');
    writeFileSync(cfg, gatewayConfig(port, 'lan'));
    td = await startTestDaemon({ services: [standInGateway({ port, cfg, args: ['--bind', 'loopback'] })] }, { dir });
    const drift = () => findingsOf(td!, 'bind-drift');
    await waitFor(() => drift().length > 0, { timeoutMs: 15_000 });
    const w = drift()[0]!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('gateway.bind = "lan"');
    expect(w.message).toContain('--bind loopback');
    expect(w.message).toContain(cfg);
    expect(w.details).toMatchObject({ file: cfg, configured: 'lan', supervised: 'loopback', fixable: false });
    // A report, not a decision: nothing is restarted or rewritten for it.
    expect(td.events.filter((e) => e.type === 'service.restarting')).toEqual([]);

    writeFileSync(cfg, gatewayConfig(port, 'loopback'));
    await waitFor(() => drift().some((e) => e.details?.resolved === true), { timeoutMs: 15_000 });
    expect(drift().filter((e) => e.severity === 'warning')).toHaveLength(1);
  }, 60_000);
});
