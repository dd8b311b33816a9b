// Instances figures on the built daemon (dist/): scale up/down, a rolling restart, a reload that replaces every
// instance, and the CPU cost of one autoscaling sample. `node bench/instances.mjs [--instances 4]`.
// CPU is the CPU time of this process (the daemon runs in it), never wall time; the load average is printed.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));
const { createDaemon } = await import(path.join(root, 'dist/daemon/daemon.js'));
const { MetricSource } = await import(path.join(root, 'dist/autoscale/metric-source.js'));
const { realCommandRunner } = await import(path.join(root, 'dist/platform/command-runner.js'));
const { systemClock } = await import(path.join(root, 'dist/platform/clock.js'));
const server = path.join(root, 'test/fixtures/instance-server.mjs');
const at = process.argv.indexOf('--instances');
const n = at > 0 ? Number(process.argv[at + 1]) : 4;
const base = 21000 + Math.floor(Math.random() * 20000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-bench-instances-'));
const file = path.join(dir, 'clawback.yaml');
const web = (release) => ({
  name: 'web', command: [process.execPath, server, '{port}'], port: base, instances: 1, env: { RELEASE: release, CLAWBACK_TEST_CHILD: '1' },
  stop: { grace: '2s' }, probes: [{ kind: 'http', url: 'http://127.0.0.1:{port}/', interval: '200ms', timeout: '1s', startupGrace: '10s' }],
});
writeFileSync(file, YAML.stringify({ services: [web('1')] }));
const daemon = await createDaemon({ file, stateDir: path.join(dir, 'state'), apiPort: 0, heartbeatMs: 1000 });
await daemon.start();
const healthy = async (count) => {
  for (let i = 0; i < 600; i++) {
    const names = [...daemon.runtimes.keys()];
    if (names.length === count && names.every((k) => daemon.runtimes.get(k).status().health === 'healthy')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('not healthy');
};
const timed = async (what, fn, count) => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  if (count) await healthy(count);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${what}: ${(ms / 1000).toFixed(2)} s wall to healthy, daemon CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; ${r?.body?.message ?? ''}`);
};
try {
  await healthy(1);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  await timed(`scale 1 -> ${n}`, () => daemon.command('/api/services/web/scale', new URLSearchParams({ instances: String(n) })), n);
  await timed(`rolling restart of ${n}`, () => daemon.command('/api/services/web/reload', new URLSearchParams()), n);
  writeFileSync(file, YAML.stringify({ services: [{ ...web('2'), instances: 1 }] }));
  await timed(`reload replacing ${n} changed instances one at a time`, () => daemon.command('/api/reload', new URLSearchParams()), n);
  await timed(`scale ${n} -> 1`, () => daemon.command('/api/services/web/scale', new URLSearchParams({ instances: '1' })), 1);
  await timed(`scale 1 -> ${n} again`, () => daemon.command('/api/services/web/scale', new URLSearchParams({ instances: String(n) })), n);
  // One autoscaling sample (cpu: the process tree of every instance from /proc).
  const clock = systemClock();
  const source = new MetricSource('cpu', { clock, runner: realCommandRunner({ clock }) });
  const views = [...daemon.runtimes.values()].map((rt) => ({ name: rt.name, pid: rt.status().pid, probes: [] }));
  const cpu0 = process.cpuUsage();
  const rounds = 200;
  for (let i = 0; i < rounds; i++) await source.sample(views);
  const cpu = process.cpuUsage(cpu0);
  console.log(`one cpu sample of ${views.length} instances: ${((cpu.user + cpu.system) / rounds / 1000).toFixed(2)} ms CPU (${rounds} samples; /proc has ${(await import('node:fs')).readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length} processes)`);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await daemon.stop({ stopServices: true });
  rmSync(dir, { recursive: true, force: true });
}
