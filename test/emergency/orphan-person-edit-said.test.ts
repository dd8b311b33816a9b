// A killed daemon's run has no recorded end: its revert cannot tell a person's edit made after the crash from the
// agent's, and puts it back too. The verdict says so, naming the file and where the person's bytes are kept.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { killedDaemonRun } from './killed-daemon-run.js';
import { judgeOrphanRun } from '../../src/emergency/run-emergency.js';
import { Redactor } from '../../src/observe/redact.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const bed = agentBed('orphanperson');

it("the revert of a killed daemon's run names a person's later edit it undid and where their bytes are kept", { timeout: 90_000 }, async () => {
  const s = bed.track(await makeScenario());
  const config = s.host.configPath;
  const marker = path.join(s.dir, 'edited');
  const halfEdit = path.join(s.dir, 'half-edit.sh');
  await fs.writeFile(halfEdit, `#!/bin/sh\nprintf '{ "half": ' > ${JSON.stringify(config)}\ntouch ${JSON.stringify(marker)}\nexec sleep 60\n`, { mode: 0o755 });
  const oldId = `inc-orphan-person-${process.pid}`;
  await killedDaemonRun(s, bed, halfEdit, oldId, () => existsSync(marker));
  // A person repairs the config by hand after the crash, before any daemon judges the run.
  const PERSON = '{ "name": "demo-gateway", "host": "127.0.0.1", "port": 0, "mine": true }\n';
  await fs.writeFile(config, PERSON);

  const events: ClawbackEvent[] = [];
  await judgeOrphanRun({ stateDir: s.stateDir, serviceName: s.service.name, clock: systemClock(), redactor: new Redactor(), emit: (e) => events.push(e) });
  const verdict = events.find((e) => e.type === 'agent.finished' && e.incidentId === oldId);
  expect((verdict?.details as { revertedFiles?: string[] }).revertedFiles).toContain(path.resolve(config));
  const evidence = (verdict?.details as { evidenceDir?: string }).evidenceDir!;
  expect(verdict?.message).toContain('an edit made since by a person is undone too');
  expect(verdict?.message).toContain(path.resolve(config));
  expect(verdict?.message).toContain(evidence);
  // Their bytes are where it says.
  const files = await fs.readdir(evidence, { recursive: true });
  const texts = await Promise.all(files.map((f) => fs.readFile(path.join(evidence, String(f)), 'utf8').catch(() => '')));
  expect(texts).toContain(PERSON);
});
