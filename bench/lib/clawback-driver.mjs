// Runs one Clawback daemon for the benchmark: writes its config, starts `clawback run`, reads its API, stops it.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getJson, pollUntil, request, sleep } from './http.mjs';

/** One demo-gateway service as the benchmark configures it (see docs/benchmarks.md for each choice). */
export function clawbackGatewayService({ name, port, gwConfig, server, memoryLimit }) {
  const node = process.execPath;
  return {
    name,
    command: [node, server, '--config', gwConfig, '--port', String(port)],
    port,
    configFile: { path: gwConfig, format: 'json', validateCommand: [node, server, '--check-config', '{file}'] },
    // Trials come every few seconds: a short stableAfter lets each one meet a "stable" service as in production,
    // and a roomy intensity keeps the crash-loop breaker (a policy, not a speed) out of the measurement; so does
    // flapping off (trials seconds apart are a flapping series by design: its growing backoff would be measured).
    restart: { stableAfter: '2s', intensity: { maxRestarts: 1000, window: '3m' }, flapping: { window: 0 } },
    // The probes of the embedded demo preset (src/config/demo-preset.ts), with PM2's 200M as the memory limit.
    probes: [
      { kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/health`, interval: '1s', timeout: '1s', failureThreshold: 3, startupGrace: '10s' },
      { kind: 'memory', name: 'memory', limit: memoryLimit, interval: '500ms', failureThreshold: 1 },
    ],
    doctor: { snapshotAfter: '5s' },
  };
}

/**
 * The node flags users run the daemon with: those of the unit `clawback install` writes (DAEMON_NODE_FLAGS),
 * checked against `npm start`, so the bench measures the daemon exactly as it runs in production.
 */
export async function daemonNodeFlags(root, log) {
  const { DAEMON_NODE_FLAGS } = await import(pathToFileURL(path.join(root, 'dist', 'platform', 'service-files.js')).href);
  const start = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts?.start ?? '';
  const startFlags = start.split(/\s+/).filter((w) => w.startsWith('--'));
  if (startFlags.join(' ') !== DAEMON_NODE_FLAGS.join(' ')) log(`warning: npm start flags (${startFlags.join(' ')}) differ from the installed unit's (${DAEMON_NODE_FLAGS.join(' ')}); measuring the unit's`);
  return [...DAEMON_NODE_FLAGS];
}

export function createClawback({ root, dir, cleanup, log, services, nodeFlags = [] }) {
  // The daemon writes daemon.json once every service has been started: ~60 ms per spawn on a loaded 2-core machine.
  const bootBoundMs = Math.max(60_000, services.length * 300);
  const stateDir = path.join(dir, 'state');
  const configFile = path.join(dir, 'clawback.json');
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  // `clawback status` as a user types it: the package's bin, what `clawback` on PATH runs (main.js in older builds).
  const bin = binOf(root) ?? cli;
  let child;
  let exited;
  let apiPort;

  async function start() {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(configFile, JSON.stringify({ api: { host: '127.0.0.1', port: 0 }, services }, null, 2));
    const out = openSync(path.join(dir, 'daemon.out'), 'a');
    child = spawn(process.execPath, [...nodeFlags, cli, 'run', '--config', configFile, '--state-dir', stateDir], {
      cwd: dir,
      env: cleanup.env(),
      stdio: ['ignore', out, out],
    });
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    cleanup.add('clawback daemon', stop);
    const info = await pollUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`clawback exited ${child.exitCode}: ${readFileSync(path.join(dir, 'daemon.out'), 'utf8').slice(-2000)}`);
        try {
          const d = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8'));
          return d.pid === child.pid && d.api?.port ? d : undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: bootBoundMs, intervalMs: 50 },
    );
    if (!info) throw new Error(`clawback daemon did not write daemon.json within ${bootBoundMs / 1000} s`);
    apiPort = info.api.port;
    return { pid: child.pid, apiPort };
  }

  async function stop() {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exited, sleep(20_000).then(() => undefined)]);
    if (!done) {
      log('clawback daemon did not stop within 20 s: SIGKILL');
      child.kill('SIGKILL');
      await exited;
    }
  }

  return {
    label: 'clawback',
    stateDir,
    start,
    stop,
    get pid() {
      return child?.pid;
    },
    async status() {
      // Generous: with 1000 services on a loaded machine one status answer can take seconds.
      const r = await getJson(`http://127.0.0.1:${apiPort}/api/status`, 30_000);
      return r.json;
    },
    /** The daemon's own record of probe lateness (GET /api/probe-schedule), undefined on builds without it. */
    async probeSchedule() {
      const r = await getJson(`http://127.0.0.1:${apiPort}/api/probe-schedule`, 30_000);
      return r.status === 200 ? r.json : undefined;
    },
    async metrics() {
      return (await request(`http://127.0.0.1:${apiPort}/metrics`, { timeoutMs: 30_000 })).body;
    },
    /** POST /api/services/NAME/ACTION with the token from the state directory. */
    async control(name, action) {
      const token = readFileSync(path.join(stateDir, 'token'), 'utf8').trim();
      return request(`http://127.0.0.1:${apiPort}/api/services/${encodeURIComponent(name)}/${action}`, {
        method: 'POST',
        timeoutMs: 30_000,
        headers: { authorization: `Bearer ${token}` },
      });
    },
    /** Brings a service back after a trial that left it down (only needed when a trial failed). */
    async recover(name) {
      await this.control(name, 'resume');
      await this.control(name, 'restart');
    },
    /** argv of the status command measured against `pm2 jlist`. */
    statusCommand: () => [process.execPath, bin, 'status', '--json', '--state-dir', stateDir],
    hasSnapshot(service) {
      const d = path.join(stateDir, 'snapshots', service);
      return existsSync(d) && readdirSync(d).some((f) => f.endsWith('.snap'));
    },
  };
}

/** The package's `bin` for `clawback` in root/package.json, as an absolute path. */
function binOf(root) {
  try {
    const b = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).bin;
    const rel = typeof b === 'string' ? b : b?.clawback;
    return typeof rel === 'string' ? path.join(root, rel) : undefined;
  } catch {
    return undefined;
  }
}
