// A service held at the preflight (its #! interpreter missing) climbed to Level 2, where the daemon's doctor ran its
// default rules without the preflight's: "the doctor found nothing to fix; starting again" twice, then a Level 4 that
// named no finding. The doctor now reports the preflight's finding, starts nothing while it stands, and Level 4 names it.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a service held at the preflight', () => {
  it('its doctor reports the preflight finding, no blind start, Level 4 names what to fix', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'bad-interpreter.sh');
    writeFileSync(script, '#!/nonexistent/clawback-interp\necho never\n');
    chmodSync(script, 0o755);
    td = await startTestDaemon({ services: [{ name: 'ghost', command: [script], restart: { intensity: { maxRestarts: 2, window: '1m' } } }] });
    const d = td.daemon;
    const ghost = () => (d.status() as unknown as { services: { name: string; incident?: { level: number } }[] }).services.find((s) => s.name === 'ghost');
    await waitFor(() => ghost()?.incident?.level === 4, { timeoutMs: 30_000, message: 'the held service to reach Level 4' });
    const said = td.events.map((e) => `${e.type}: ${e.message}`);
    // Before: 'restarting after the doctor: the doctor found nothing to fix; starting again' (twice), then Level 4.
    expect(said.filter((m) => m.includes('found nothing to fix'))).toEqual([]);
    expect(td.events.filter((e) => e.type === 'service.restarting')).toEqual([]);
    expect(said.filter((m) => m.includes('running the doctor'))).toHaveLength(1);
    const escalated = td.events.find((e) => e.type === 'incident.escalated');
    expect(escalated?.message).toContain('a person must fix it');
    expect(escalated?.message).toContain('/nonexistent/clawback-interp');
    expect(escalated?.message).toContain('fix:');
  }, 40_000);
});
