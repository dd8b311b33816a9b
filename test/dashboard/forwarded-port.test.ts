// The dashboard reached through a forwarded port (`ssh -L 8080:127.0.0.1:18790`, `docker -p 127.0.0.1:28790:18790`):
// the browser's requests name the forwarded port, which is not the one the daemon bound; pages of other origins stay out.
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


/** A TCP forwarder on 127.0.0.1 (what ssh -L or Docker's published port does). */
async function forward(to: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(to, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard: through a forwarded port', () => {
  let browser: Browser;
  const daemons: TestDaemon[] = [];
  const forwarders: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const f of forwarders) await f.close();
    for (const td of daemons) await td.stop();
    await browser?.close();
  });

  // 0.0.0.0: every interface, as the Docker and Kubernetes examples bind; the browser still goes through 127.0.0.1.
  for (const host of ['127.0.0.1', '0.0.0.0']) {
    it(`restarts a service from the dashboard (api.host ${host})`, async () => {
      const td = await startTestDaemon({ api: { host }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
      daemons.push(td);
      const fwd = await forward(td.daemon.api!.port);
      forwarders.push(fwd);
      const rt = td.daemon.runtimes.get('steady')!;
      await waitFor(() => rt.status().pid !== null, { timeoutMs: 10_000 });
      const before = rt.status().pid;

      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${fwd.port}/#token=${td.daemon.token}`);
      const card = page.locator('article[data-service="steady"]');
      await card.waitFor({ timeout: 20_000 });
      page.once('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
      await card.locator('button[data-action="restart"]').click();
      await card.locator('.action-msg.ok').waitFor({ timeout: 20_000 });
      await waitFor(() => rt.status().pid !== null && rt.status().pid !== before, { timeoutMs: 20_000 });

      // A page of another loopback origin (here: the forwarded one, posting to the daemon's own port) is still refused.
      const crossOrigin = await page.evaluate(
        async ({ url, token }) => (await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status,
        { url: `http://127.0.0.1:${td.daemon.api!.port}/api/services/steady/restart`, token: td.daemon.token },
      ).catch(() => 0);
      expect([0, 403]).toContain(crossOrigin);
      const forged = await fetch(`http://127.0.0.1:${fwd.port}/api/services/steady/restart`, { method: 'POST', headers: { authorization: `Bearer ${td.daemon.token}`, origin: `http://127.0.0.1:${td.daemon.api!.port}` } });
      expect(forged.status).toBe(403);
      await page.close();
    });
  }
});
