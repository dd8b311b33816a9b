// Sets up the real OpenClaw gateway under `clawback run` (the preset, tuned like test/e2e/openclaw-harness.ts), runs `clawback drill chaos` on it, and cleans up.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = path.join(root, 'dist', 'cli', 'main.js');
const { openclawPresetConfig } = await import(path.join(root, 'dist', 'presets', 'openclaw.js'));

// The faults that apply to the real gateway (no demo fault switches: no leak, slow-start, dependency-down or disk-full).
const KINDS = 'crash,crash-storm,hang,config-corrupt,port-steal,daemon-kill';
const { values: o } = parseArgs({
  options: {
    duration: { type: 'string', default: '20m' },
    'mean-interval': { type: 'string', default: '2m' },
    seed: { type: 'string', default: '2026' },
    scenarios: { type: 'string', default: KINDS },
    timeout: { type: 'string', default: '300' },
    out: { type: 'string' },
    'fast-probes': { type: 'boolean', default: false },
  },
  strict: true,
});

const cache = process.env.CLAWBACK_E2E_CACHE;
if (!cache) throw new Error('CLAWBACK_E2E_CACHE: expected the e2e cache directory (Node 24 + openclaw), got nothing');
const node24 = path.join(cache, 'node_modules', '.bin', 'node');
const pkgDir = path.join(cache, 'node_modules', 'openclaw');
const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const openclaw = path.join(pkgDir, typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.openclaw);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function healthz(port) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

function run(args, opts = {}) {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [cli, ...args], { stdio: opts.stdio ?? 'inherit' });
    c.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Pids whose environment carries HOME=<home>: whatever the gateway started, however detached. */
function pidsWithHome(home) {
  const want = `HOME=${home}`;
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(want)) found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const port = await freePort();
const dir = path.resolve(o.out ?? mkdtempSync(path.join(os.tmpdir(), 'clawback-chaos-openclaw-')));
const home = path.join(dir, 'home');
const configDir = path.join(home, '.openclaw');
mkdirSync(configDir, { recursive: true, mode: 0o700 });
const configPath = path.join(configDir, 'openclaw.json');
writeFileSync(configPath, `${JSON.stringify({ gateway: { mode: 'local', bind: 'loopback', port }, logging: { file: path.join(home, 'openclaw-log.jsonl') }, update: { checkOnStart: false } }, null, 2)}\n`, { mode: 0o600 });

const raw = openclawPresetConfig({ openclaw: [node24, openclaw], port, home, configPath, env: { HOME: home, NO_COLOR: '1', OPENCLAW_NO_AUTO_UPDATE: '1' }, startupGrace: '180s' });
const svc = raw.services[0];
// The preset's own probe pace (what a user runs: liveness every 10 s, 5 s timeout, 3 failures); the e2e harness's faster
// ticks (--fast-probes) judged a loaded machine's busy gateway hung 20 s after its first start. Only the last-known-good
// snapshot comes earlier, so config corruption has something to restore from minutes sooner.
if (o['fast-probes']) {
  svc.probes = svc.probes.filter((p) => p.kind !== 'config');
  for (const p of svc.probes) {
    if (p.name === 'liveness') Object.assign(p, { interval: '2s', timeout: '3s', failureThreshold: 3 });
    if (p.name === 'stopped') Object.assign(p, { interval: '1s', failureThreshold: 2 });
  }
}
svc.doctor = { ...svc.doctor, snapshotAfter: '10s' };
svc.drillable = true;
const configFile = path.join(dir, 'clawback.yaml');
writeFileSync(configFile, `# The OpenClaw preset (clawback init --preset openclaw) on port ${port}, snapshot after 10 s, drillable.\n${YAML.stringify({ api: { host: '127.0.0.1', port: 0 }, services: [svc] })}`);
const stateDir = path.join(dir, 'state');
const reportDir = path.join(dir, 'report');
mkdirSync(reportDir, { recursive: true });
console.log(`chaos-openclaw: ${dir} (gateway port ${port}, openclaw ${pkg.version}, ${node24})`);

const out = openSync(path.join(dir, 'daemon.out'), 'a');
const daemon = spawn(process.execPath, [cli, 'run', '--config', configFile, '--state-dir', stateDir], { stdio: ['ignore', out, out] });
let code = 1;
try {
  const started = Date.now();
  // Bounded: a cold start took 82 s on a loaded machine; allow 5 minutes.
  while (!(await healthz(port))) {
    if (Date.now() - started > 300_000) throw new Error('the gateway did not answer /healthz 200 within 300 s');
    if (daemon.exitCode !== null) throw new Error(`clawback run exited (${daemon.exitCode}); see ${path.join(dir, 'daemon.out')}`);
    await sleep(1000);
  }
  console.log(`chaos-openclaw: gateway up after ${Math.round((Date.now() - started) / 1000)} s; waiting 15 s for the last-known-good snapshot`);
  await sleep(15_000);
  code = await run(['drill', 'chaos', '--duration', o.duration, '--mean-interval', o['mean-interval'], '--seed', o.seed, '--scenarios', o.scenarios, '--timeout', o.timeout, '--yes', '--report', path.join(reportDir, 'chaos-openclaw.md'), '--state-dir', stateDir]);
} finally {
  // The daemon may have been replaced (daemon-kill): stop whichever one runs now, then anything left of the gateway.
  let pids = [daemon.pid];
  try {
    pids.push(JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')).pid);
  } catch {
    // no daemon.json
  }
  pids = [...new Set(pids)].filter((p) => p && alive(p));
  for (const p of pids) process.kill(p, 'SIGTERM');
  for (let i = 0; i < 60 && pids.some(alive); i++) await sleep(500);
  for (let round = 0; round < 20; round++) {
    const left = [...pids.filter(alive), ...pidsWithHome(home)];
    if (!left.length) break;
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sleep(100);
  }
}
console.log(`chaos-openclaw: report in ${reportDir}`);
process.exitCode = code;
