// The broken copies the doctor keeps beside an included file of a split config (`agents.json5.corrupt-*`) are bounded by
// `retention:` like those beside the main file: the sweep only looked beside the main file, so they grew for good.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retentionPlugin } from '../../src/daemon/state-retention.js';
import { FakeClock } from '../../src/platform/clock.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { maybeRecordLastKnownGood } from '../../src/doctor/last-known-good.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import type { Daemon, DaemonContext } from '../../src/daemon/daemon.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const DAY = 86_400_000;
const VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const file = process.argv[2];
const cfg = JSON5.parse(readFileSync(file, 'utf8'));
const inc = path.resolve(path.dirname(file), cfg.agents.$include);
try { cfg.agents = JSON5.parse(readFileSync(inc, 'utf8')); } catch { process.stderr.write('Failed to parse include file\\n'); process.exit(1); }
if (typeof cfg.agents.workspace !== 'string') process.exit(1);
`;

describe('retention of the broken copies kept beside an included file', () => {
  let fx: DoctorFixture;
  afterEach(() => fx.cleanup());
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate-include.mjs', VALIDATOR);
    // The included file lives in its own directory, as conf.d layouts do.
    await fs.mkdir(path.join(fx.dir, 'conf.d'));
    fx.withService({ configFile: { ...fx.service.configFile!, format: 'json5', validateCommand: [process.execPath, validator, '{file}'] } });
    await fs.writeFile(path.join(fx.dir, 'conf.d', 'agents.json5'), '{ workspace: "/w" }\n');
    await fs.writeFile(fx.configPath, '{ port: 18789, agents: { $include: "./conf.d/agents.json5" } }\n');
  });

  it('a month and more of repairs of an included file: the copies beyond `keep` older than maxAge are swept, the newest stays', async () => {
    const agents = path.join(fx.dir, 'conf.d', 'agents.json5');
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    await fs.writeFile(agents, '{ workspace: "/w", '); // cut on disk
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    const corrupt = async (): Promise<string[]> => (await fs.readdir(path.dirname(agents))).filter((n) => n.startsWith('agents.json5.corrupt-')).sort();
    const [real] = await corrupt();
    expect(real).toBeDefined();
    // 40 earlier repairs, one a day, 31 to 70 days ago.
    for (let d = 0; d < 40; d++) {
      const p = `${agents}.corrupt-day${String(d).padStart(3, '0')}`;
      await fs.writeFile(p, '{ workspace: ');
      const t = new Date(now - (31 + d) * DAY);
      await fs.utimes(p, t, t);
    }
    const clock = new FakeClock(now);
    const events: ClawbackEvent[] = [];
    const ctx = { stateDir: fx.stateDir, clock, emit: (e: ClawbackEvent) => events.push(e), config: { services: [fx.service] } } as unknown as DaemonContext;
    const hooks = (await retentionPlugin({ keep: 1, maxAgeMs: 30 * DAY }, { firstAfterMs: 10, everyMs: 600_000 }).init(ctx, { runtimes: new Map() } as unknown as Daemon))!;
    clock.advance(10);
    await hooks.stop!(); // waits for the sweep the advance started
    expect(await corrupt()).toEqual([real]);
    expect(events).toHaveLength(1);
    expect(events[0]!.details!.removed as string[]).toHaveLength(40);
  }, 30_000);
});
