// A service with a long name (63 characters, the most a name may have) whose probe prints a long unbroken output: its
// events were wider than the live events panel, cut at its edge (the grid column grew to the longest word), and one
// message of 3000 characters took the whole panel's height.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';


describe.skipIf(!existsSync(CHROMIUM))('dashboard: long names and messages in the live events', () => {
  const env = dashboardSuite();

  it('wrap inside the panel, and a long message is bounded in height', async () => {
    const name = `svc${'a'.repeat(60)}`;
    const probe = { kind: 'command', name: 'talky', command: [NODE, '-e', "process.stdout.write('E'.repeat(3000)); process.exit(1)"], interval: '500ms', failureThreshold: 1, startupGrace: '1s' };
    env.td = await startTestDaemon({ services: [{ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [probe] }] }, { plugins: [dashboardPlugin()] });
    const page = await env.browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.locator('#events li[data-type="service.unhealthy"]').first().waitFor({ state: 'attached', timeout: 30_000 });
    const overflow = await page.evaluate(() => {
      const panel = document.getElementById('events')!.getBoundingClientRect();
      const out: string[] = [];
      for (const node of Array.from(document.querySelectorAll('#events li.ev, #events li.ev *'))) {
        const r = node.getBoundingClientRect();
        if (r.width > 0 && r.right > panel.right + 0.5) out.push(`${node.className || node.tagName} right ${Math.round(r.right)} > panel ${Math.round(panel.right)}`);
      }
      const tallest = Math.max(...Array.from(document.querySelectorAll('#events li.ev .msg')).map((m) => m.getBoundingClientRect().height));
      return { out: [...new Set(out)], tallest, panelHeight: panel.height };
    });
    console.log(`long event text: ${JSON.stringify(overflow)}`);
    expect(overflow.out).toEqual([]);
    // 3000 characters in a 370-pixel column are some 75 lines: a message is bounded (it scrolls), the panel is not filled.
    expect(overflow.tallest).toBeLessThan(200);
    await page.close();
  }, 90_000);
});
