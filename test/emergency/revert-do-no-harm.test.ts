// Do no harm on real files: a failed run's revert keeps evidence and never replaces what a person edited after the agent ended.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emergencySchema } from '../../src/emergency/emergency-schema.js';
import { finishAgentSession, runAgentSession } from '../../src/emergency/run-emergency.js';
import type { AgentAdapter, AgentSession } from '../../src/emergency/agent-adapter.js';
import { systemClock } from '../../src/platform/clock.js';
import { BROKEN_CONFIG, makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

const AGENT_CONFIG = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'still-oops', agentTried: true }, null, 2)}\n`;
const AGENT_NOTES = 'the agent wrote this\n';
const PERSON_CONFIG = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0, apiToken: 'sk-person-secret-123' }, null, 2)}\n`;

/** Stands in for an agent process: edits the config and a notes file in the workdir, then fails (exit 1). */
function editingAgent(notes: string): AgentAdapter {
  return {
    name: 'command',
    async run(session: AgentSession) {
      session.onStarted({ handle: 'stand-in' });
      await fs.writeFile(session.configPath!, AGENT_CONFIG);
      await fs.writeFile(notes, AGENT_NOTES);
      return { status: 'failed', exitCode: 1, summary: 'Error: could not fix it', transcript: 'edited two files', refused: [] };
    },
  };
}

async function mode(file: string): Promise<number> {
  return (await fs.stat(file)).mode & 0o777;
}

/** A scenario with a notes file, and a run of the editing agent on it that fails its verification. */
async function failedRun() {
  scenario = await makeScenario();
  const s = scenario;
  const notes = path.join(s.dir, 'notes.txt');
  await fs.writeFile(notes, 'before the run\n');
  const incident = s.incident();
  const run = await runAgentSession({
    incident,
    service: s.service,
    config: emergencySchema.parse({ adapter: 'command', command: ['unused'], timeBox: '20s', verifyWindow: '1s' }),
    host: s.host,
    clock: systemClock(),
    redactor: s.redactor,
    stateDir: s.stateDir,
    emit: (e) => s.events.push(e),
    adapters: { command: editingAgent(notes) },
  });
  return { s, notes, incident, run };
}

describe('the revert of a failed agent run (issue 16/17: do no harm)', () => {
  it('a file a person edited after the agent ended is not reverted and is reported; the other is reverted; evidence of both is saved 0600', { timeout: 30_000 }, async () => {
    const { s, notes, incident, run } = await failedRun();
    expect(run.outcome).toBe('failed');
    expect(run.changedFiles.sort()).toEqual([s.host.configPath, notes].sort());

    // After the agent ended, and before the reducer's revert: a person fixes the config by hand.
    await fs.writeFile(s.host.configPath, PERSON_CONFIG);
    const r = await finishAgentSession({
      stateDir: s.stateDir,
      serviceName: s.service.name,
      incidentId: incident.id,
      keep: false,
      reason: run.detail,
      redactor: s.redactor,
      clock: systemClock(),
      emit: (e) => s.events.push(e),
    });

    // The person's fix survives; the agent's other change is put back.
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(PERSON_CONFIG);
    expect(await fs.readFile(notes, 'utf8')).toBe('before the run\n');
    expect(r.revertedFiles).toEqual([notes]);

    // Reported: journal event and result file name the file left alone and where the pre-run copies are.
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.message).toContain('1 file(s) reverted');
    expect(fin.message).toContain(`changed after the agent ended NOT reverted (someone else edited them): ${s.host.configPath}`);
    expect(fin.message).toContain(path.join(s.stateDir, 'incidents', incident.id, 'before'));
    expect(fin.details).toMatchObject({ revertedFiles: [notes], keptChangedAfterAgent: [s.host.configPath] });
    const incidentDir = path.join(s.stateDir, 'incidents', incident.id);
    const result = JSON.parse(await fs.readFile(path.join(incidentDir, 'agent-result.json'), 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: 'failed', reverted: [notes], keptChangedAfterAgent: [s.host.configPath] });

    // Evidence: what each file held just before the revert looked at it, 0600, listed in after/manifest.json.
    const afterDir = path.join(incidentDir, 'after');
    const manifest = JSON.parse(await fs.readFile(path.join(afterDir, 'manifest.json'), 'utf8')) as {
      evidence: Array<{ path: string; copy: string; action: string }>;
      keptChangedAfterAgent: string[];
    };
    expect(manifest.keptChangedAfterAgent).toEqual([s.host.configPath]);
    const byPath = new Map(manifest.evidence.map((e) => [e.path, e]));
    expect(byPath.get(notes)?.action).toBe('reverted');
    expect(byPath.get(s.host.configPath)?.action).toBe('kept');
    expect(await fs.readFile(path.join(afterDir, byPath.get(notes)!.copy), 'utf8')).toBe(AGENT_NOTES);
    expect(await fs.readFile(path.join(afterDir, byPath.get(s.host.configPath)!.copy), 'utf8')).toBe(PERSON_CONFIG);
    expect(await mode(path.join(afterDir, byPath.get(notes)!.copy))).toBe(0o600);
    expect(await mode(path.join(afterDir, 'manifest.json'))).toBe(0o600);

    // Done again (a daemon restart mid-revert): nothing more is replaced and the record of the first is kept.
    await finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: 'again', redactor: s.redactor, clock: systemClock(), emit: () => {} });
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(PERSON_CONFIG);
    const again = JSON.parse(await fs.readFile(path.join(afterDir, 'manifest.json'), 'utf8')) as { evidence: Array<{ path: string; action: string }> };
    expect(again.evidence.some((e) => e.path === notes && e.action === 'reverted')).toBe(true);
  });

  it('a hand-over (a person cancelled the run) reverts nothing and lists the kept files without values', { timeout: 30_000 }, async () => {
    const { s, notes, incident } = await failedRun();
    await fs.writeFile(s.host.configPath, PERSON_CONFIG);
    const r = await finishAgentSession({
      stateDir: s.stateDir,
      serviceName: s.service.name,
      incidentId: incident.id,
      keep: false,
      handover: true,
      reason: 'a person asked to resume it',
      redactor: s.redactor,
      clock: systemClock(),
      emit: (e) => s.events.push(e),
    });
    expect(r.revertedFiles).toEqual([]);
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(PERSON_CONFIG);
    expect(await fs.readFile(notes, 'utf8')).toBe(AGENT_NOTES);
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.details).toMatchObject({ outcome: 'handed-over', keptFiles: [s.host.configPath, notes].sort(), revertedFiles: [] });
    expect(fin.message).toContain('nothing reverted');
    expect(fin.message).toMatch(/gateway\.json: modified, changed: port; added: apiToken \(\+\d+ -\d+ lines\)/);
    expect(fin.message).toContain('notes.txt: modified (+1 -1 lines)');
    expect(fin.message).toContain(path.join(s.stateDir, 'incidents', incident.id, 'before'));
    // Values never: not the person's token, not the port.
    expect(JSON.stringify(fin.details?.changes)).not.toContain('sk-person-secret-123');
    expect(fin.message).not.toContain('sk-person-secret-123');
    // The pre-run copy is where the message says.
    const before = JSON.parse(await fs.readFile(path.join(s.stateDir, 'incidents', incident.id, 'before', 'manifest.json'), 'utf8')) as { entries: Array<{ path: string; copy?: string }> };
    const copy = before.entries.find((e) => e.path === s.host.configPath)!.copy!;
    expect(await fs.readFile(path.join(s.stateDir, 'incidents', incident.id, 'before', copy), 'utf8')).toBe(BROKEN_CONFIG);
  });
});
