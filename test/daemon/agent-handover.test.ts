// Do no harm on real processes: a person who edits the config and resumes during a Level 3 run keeps their edit.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

const BROKEN = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2) + '\n';
const AGENT_EDIT = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'agent-oops' }, null, 2) + '\n';
// The person's fix, written while the agent is still at work.
const PERSON_FIX = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }) + '\n';

let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

/** The demo gateway on `cfg`, probed over HTTP, no doctor, Level 3 by the command agent `agent`. */
async function gatewayWithAgent(dir: string, cfg: string, agent: string, o: { startupGrace: string; timeBox: string; verifyWindow: string }): Promise<{ t: TestDaemon; port: number }> {
  const port = await freePort();
  const t = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          cwd: dir,
          configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: o.startupGrace }],
          doctor: { attempts: 0, confirmAfter: '1s' },
          emergency: { adapter: 'command', command: [NODE, agent], timeBox: o.timeBox, verifyWindow: o.verifyWindow },
        },
      ],
    },
    { dir },
  );
  daemons.push(t);
  return { t, port };
}

describe("a person's take-over during a Level 3 run (issue 16/17: do no harm)", () => {
  it('edit + resume while the agent works: the run is cancelled, nothing is reverted, the edit survives, the journal lists the files kept', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, BROKEN);
    // The stand-in agent: edits the config like a real one would, then keeps working (until cancelled).
    const agent = path.join(dir, 'agent.mjs');
    writeFileSync(agent, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(cfg)}, ${JSON.stringify(AGENT_EDIT)});\nconsole.log('edited the config, still thinking');\nsetTimeout(() => {}, 90_000);\n`);
    const { t, port } = await gatewayWithAgent(dir, cfg, agent, { startupGrace: '5s', timeBox: '90s', verifyWindow: '5s' });
    const rt = t.daemon.runtimes.get('gw')!;
    const of = (type: string) => t.events.filter((e) => e.type === type);

    // Exit 78, no doctor: the agent runs and edits the config.
    await waitFor(() => of('agent.started')[0], { timeoutMs: 60_000 });
    await waitFor(() => readFileSync(cfg, 'utf8') === AGENT_EDIT || undefined, { timeoutMs: 30_000 });
    expect(rt.status().work?.kind).toBe('agent');
    // Held for the repair while the agent works: not the crash-loop breaker, whose alert says to resume (which would
    // cancel the run).
    expect(rt.status().held?.reason).toBe('repair');
    const metrics = (await httpGet(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).body;
    expect(metrics).toContain('clawback_breaker_open{service="gw"} 0');

    // A person fixes it by hand and resumes, with the agent still at work.
    writeFileSync(cfg, PERSON_FIX);
    const answer = await t.daemon.action('gw', 'resume');
    expect(answer.ok, answer.message).toBe(true);

    // The run ends as a hand-over: nothing reverted, the files kept are listed with where the pre-run copies are.
    const fin = await waitFor(() => of('agent.finished')[0], { timeoutMs: 30_000 });
    // The person's edit survives (a moment later too).
    await new Promise((r) => setTimeout(r, 1500));
    expect(readFileSync(cfg, 'utf8')).toBe(PERSON_FIX);
    expect(fin.details).toMatchObject({ outcome: 'handed-over', keptFiles: [cfg], revertedFiles: [] });
    const beforeDir = path.join(t.stateDir, 'incidents', fin.incidentId!, 'before');
    expect(fin.message).toContain('cancelled by a person (a person asked to resume it)');
    expect(fin.message).toContain(`${cfg}: modified, changed: port`);
    expect(fin.message).toContain(beforeDir);
    expect(readFileSync(path.join(beforeDir, 'manifest.json'), 'utf8')).toContain(cfg);

    // The service runs on the person's fix, nobody is paged.
    await waitFor(() => (rt.status().state === 'running' && rt.status().health === 'healthy') || undefined, { timeoutMs: 30_000 });
    expect((await httpGet(`http://127.0.0.1:${port}/health`, 1000)).status).toBe(200);
    expect(of('incident.escalated')).toHaveLength(0);
    // In the journal on disk, too.
    expect(t.journal().some((e) => e.type === 'agent.finished' && (e.details as { outcome?: string }).outcome === 'handed-over')).toBe(true);
  });
});

describe('a failed verification after a person edited a file (issue 16/17: do no harm)', () => {
  it('the revert puts back what only the agent changed, leaves the file the person edited after the agent ended, and reports it', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    const notes = path.join(dir, 'notes.txt');
    writeFileSync(cfg, BROKEN);
    writeFileSync(notes, 'before the run\n');
    // The agent's "fix" starts but never listens within the probes' grace: the verification fails.
    const slow = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0, startupDelayMs: 60_000 }, null, 2) + '\n';
    const agent = path.join(dir, 'agent.mjs');
    writeFileSync(agent, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(cfg)}, ${JSON.stringify(slow)});\nwriteFileSync(${JSON.stringify(notes)}, 'the agent wrote this\\n');\n`);
    const { t } = await gatewayWithAgent(dir, cfg, agent, { startupGrace: '6s', timeBox: '60s', verifyWindow: '2s' });
    const rt = t.daemon.runtimes.get('gw')!;
    const of = (type: string) => t.events.filter((e) => e.type === type);

    // The agent ended (its files as it left them are hashed then); the verification is under way.
    await waitFor(() => rt.status().work?.kind === 'verify' || undefined, { timeoutMs: 60_000 });
    // A person notes something in the file the agent also changed, while Clawback verifies.
    writeFileSync(notes, 'a person wrote this during the verification\n');
    const fin = await waitFor(() => of('agent.finished')[0], { timeoutMs: 60_000 });

    expect(readFileSync(notes, 'utf8')).toBe('a person wrote this during the verification\n');
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    expect(fin.details).toMatchObject({ revertedFiles: [cfg], keptChangedAfterAgent: [notes] });
    expect(fin.message).toContain(`changed after the agent ended NOT reverted (someone else edited them): ${notes}`);
    // Level 4 follows the revert, as before.
    const esc = await waitFor(() => of('incident.escalated')[0], { timeoutMs: 30_000 });
    expect(t.events.indexOf(esc)).toBeGreaterThan(t.events.indexOf(fin));
  });
});
