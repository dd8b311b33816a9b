// A cancelled or failed agent run's verdict (its revert) ran without the service's repair lock: after `clawback resume`
// the doctor began ~1 s before the handover's revert ended, both writing the config at once. The verdict takes the lock.
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { takeRepairLock } from '../../src/doctor/repair-lock.js';
import { emergencySchema } from '../../src/emergency/emergency-schema.js';
import { finishAgentSession, runAgentSession } from '../../src/emergency/run-emergency.js';
import { systemClock } from '../../src/platform/clock.js';
import { BROKEN_CONFIG, makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

describe("a Level 3 run's verdict and the doctor's repair lock", () => {
  it('the revert waits while a doctor repair holds the lock, then puts the config back', async () => {
    scenario = await makeScenario();
    const s = scenario;
    const clock = systemClock();
    const incident = s.incident(`verdict-lock-${process.pid}`);
    const cfg = s.host.configPath;
    const r = await runAgentSession({
      incident,
      service: s.service,
      config: emergencySchema.parse({ adapter: 'command', command: ['sh', '-c', `printf 'agent edit\\n' > '${cfg}'`], timeBox: '20s' }),
      host: s.host,
      clock,
      redactor: s.redactor,
      stateDir: s.stateDir,
      emit: (e) => s.events.push(e),
      adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } },
    });
    expect(r.launched).toBe(true);
    expect(await fs.readFile(cfg, 'utf8')).toBe('agent edit\n');
    // A doctor repair in progress (the daemon's Level 2 after a resume, or `clawback doctor --fix`).
    const doctor = await takeRepairLock(s.stateDir, s.service.name, { clock, waitMs: 0 });
    expect(doctor.ok).toBe(true);
    let done = false;
    const verdict = finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: 'cancelled by a person', redactor: s.redactor, clock, emit: (e) => s.events.push(e) }).then((x) => {
      done = true;
      return x;
    });
    // Bounded: a few polls while the doctor holds the lock; the verdict must not write beside it.
    for (let i = 0; i < 8; i++) {
      await new Promise((res) => setTimeout(res, 250));
      expect(done).toBe(false);
      expect(await fs.readFile(cfg, 'utf8')).toBe('agent edit\n');
    }
    expect(s.events.some((e) => e.details?.action === 'agent-verdict-waits-repair')).toBe(true);
    if (doctor.ok) await doctor.release();
    const out = await verdict;
    expect(out.revertedFiles.length).toBeGreaterThan(0);
    expect(await fs.readFile(cfg, 'utf8')).toBe(BROKEN_CONFIG);
    // The lock is free again for the next repair.
    const next = await takeRepairLock(s.stateDir, s.service.name, { clock, waitMs: 0 });
    expect(next.ok).toBe(true);
    if (next.ok) await next.release();
  }, 90_000);
});
