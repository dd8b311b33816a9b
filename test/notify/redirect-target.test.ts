// An endpoint that answers a redirect: the alert is refused (never followed), and the reason names where it pointed,
// so a person can fix the URL (http -> https, a moved host), with no secret of ours or of the target in it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { DISCORD_TOKEN, config, event, logCollector, removeDir, tempStateDir } from './helpers.js';

const TARGET_SECRET = 'Zq9TargetSideSecretToken0123456789';

describe('redirect refusal', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function redirecting(location: (port: number) => string): Promise<{ base: string; hits: string[] }> {
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(308, { location: location((server.address() as AddressInfo).port) });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
  }

  async function refusalOf(url: string): Promise<{ warnings: string[]; n: Notifier }> {
    const stateDir = await tempStateDir();
    cleanup.push(() => removeDir(stateDir));
    const warnings = logCollector();
    const n = createNotifier(config([{ type: 'discord', url }]), { stateDir, clock: systemClock(), redactor: new Redactor(), warn: warnings.log });
    cleanup.push(() => n.stop());
    n.publish(event({ message: 'gateway down' }));
    const deadline = Date.now() + 15_000;
    // The warning comes once the move into dead/ is on disk.
    while (!warnings.lines.some((l) => l.includes('refused by the endpoint')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(n.deadLetters()).toEqual({ discord: 1 });
    return { warnings: warnings.lines, n };
  }

  it('names the target a redirect pointed to (same path, another scheme and host)', async () => {
    const r = await redirecting(() => `https://discord.example.com:8443/api/webhooks/1234567890/${DISCORD_TOKEN}`);
    const { warnings } = await refusalOf(`${r.base}/api/webhooks/1234567890/${DISCORD_TOKEN}`);
    expect(r.hits).toHaveLength(1);
    const said = warnings.find((l) => l.includes('HTTP 308'));
    expect(said).toBeDefined();
    // Before the fix: "HTTP 308 (redirects are not followed)", and nothing about where.
    expect(said).toContain('https://discord.example.com:8443');
    expect(said).not.toContain(DISCORD_TOKEN);
  }, 20_000);

  it('a relative Location is resolved; a query and a long segment of the target are not repeated', async () => {
    const r = await redirecting(() => `/v2/hooks/${TARGET_SECRET}?sig=${TARGET_SECRET}`);
    const { warnings } = await refusalOf(`${r.base}/api/webhooks/1234567890/${DISCORD_TOKEN}`);
    const said = warnings.find((l) => l.includes('HTTP 308'));
    expect(said).toContain(`${r.base}/v2/hooks/`);
    expect(said).not.toContain(TARGET_SECRET);
    expect(said).not.toContain(DISCORD_TOKEN);
  }, 20_000);
});
