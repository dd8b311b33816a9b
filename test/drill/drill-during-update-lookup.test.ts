// A drill started while `clawback update gw` (no version) was still asking npm for the latest version was not refused:
// the run was registered (GET /api/update/gw running) only after `npm view` answered, seconds later, so the drill's
// check found no update and went on to SIGKILL the service the update was about to stop and switch. The run is now
// registered before its first slow step: the drill is refused during the lookup too, naming the update.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { startUpdateHarness, type UpdateHarness } from '../update/update-harness.js';

let h: UpdateHarness;
let bin: string;
beforeAll(async () => {
  bin = tempDir('clawback-slow-npm-');
  const npm = path.join(bin, 'npm.mjs');
  // `npm view` takes 6 s (a slow registry) and answers 1.0.1; anything else is the real npm.
  await fs.writeFile(
    npm,
    `import { spawnSync } from 'node:child_process';\nconst a = process.argv.slice(2);\nif (a[0] === 'view') { await new Promise((r) => setTimeout(r, 6000)); process.stdout.write('1.0.1\\n'); process.exit(0); }\nprocess.exit(spawnSync('npm', a, { stdio: 'inherit' }).status ?? 1);\n`,
  );
  h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['1.0.1', 'good']], service: { drillable: true }, update: { npm: [NODE, npm], watch: '30s', settle: '1s' } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await fs.rm(bin, { recursive: true, force: true });
});

describe('a drill while an update looks up the latest version', () => {
  it('is refused during the npm view, and the update then runs to its end', async () => {
    const res = fetch(`${h.base}/api/update/gw`, { method: 'POST', headers: { authorization: `Bearer ${h.token}` } });
    // Inside the 6 s npm view (the POST has not answered yet).
    await new Promise((r) => setTimeout(r, 1500));
    const during = (await (await fetch(`${h.base}/api/update/gw`)).json()) as { running?: boolean; runId?: string | null };
    expect(during.running, JSON.stringify(during)).toBe(true);
    const r = await runCli(['drill', 'crash', '--yes', '--timeout', '20', '--report', `${h.dir}/drill.md`, '--state-dir', h.td.stateDir], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/refusing to drill: "gw" is being updated .*\(`clawback update` run upd-/);
    // With no target yet, it says what the update is doing: looking up the latest version.
    expect(r.stderr).toMatch(/"gw" is being updated \(looking up the latest version\) \(`clawback update` run upd-/);
    const started = await res;
    const body = (await started.json()) as { runId?: string };
    expect(started.status, JSON.stringify(body)).toBe(202);
    expect(body.runId).toBe(during.runId);
    const view = await h.finished(body.runId);
    expect(view.report?.outcome, JSON.stringify(view.report)).toBe('succeeded');
    expect(view.to).toBe('1.0.1');
  }, 150_000);
});
