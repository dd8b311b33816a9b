// Build step after the bundles: trains the V8 code cache of dist/cli/status-fast.bundle.cjs (src/cli/code-cache.cts)
// by running the status command's own code once against a stand-in daemon (a loopback HTTP server answering
// /api/status), as JSON and as the table, so the functions a real `clawback status` runs are in the cache. Run as its
// own process with no node flags: V8 refuses a cache made under other flags. A failure leaves no cache (status then
// compiles from source, as before) and says so; it does not fail the build.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = path.join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'cli');
const bundle = path.join(cliDir, 'status-fast.bundle.cjs');
const require = createRequire(import.meta.url);
const { codeCachePath, loadWithCodeCache, writeCodeCache } = require(path.join(cliDir, 'code-cache.cjs'));

/** This process's start time as daemon.json records it (/proc ticks), or null where there is no /proc. */
function ownStartTime() {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

/** A daemon's answer as the status command meets it: one healthy service with its probes, one held with an incident. */
function standInStatus(port, stateDir) {
  const now = Date.now();
  const probe = (name, kind, message, value) => ({ name, kind, action: 'restart', verdict: 'healthy', lastResult: { status: 'success', message, value }, lastCheckedAt: now, consecutiveFailures: 0, consecutiveSuccesses: 9, inGrace: false });
  const service = (name, extra) => ({ name, state: 'running', pid: process.pid, pidStartTime: null, adopted: false, startedAt: now - 60_000, uptimeMs: 60_000, restarts: 1, nextRestartAt: null, lastExit: null, held: null, health: 'healthy', probes: [probe('health', 'http', 'GET /health answered 200 in 1 ms', 200), probe('memory', 'memory', 'tree RSS 50 MiB', 52_428_800)], incident: null, work: null, maintenance: null, ...extra });
  return {
    daemon: { health: 'ok', degraded: [], pid: process.pid, version: '0.0.0', startedAt: now - 60_000, uptimeMs: 60_000, now, configFile: null, reloadFailed: null, guardian: { installed: false, intervalSec: 60, last: null, overdue: false }, previousDied: null, stateDir, api: { host: '127.0.0.1', port } },
    services: [
      service('web'),
      service('worker', { state: 'held', pid: null, health: 'unknown', held: { reason: 'crash-loop', at: now }, incident: { id: 'inc-0001', level: 4, status: 'open' } }),
    ],
    notify: { channels: [], outboxDepth: 0, deadLetters: {}, unreachable: {}, stranded: {}, strandedWhy: {} },
    scaled: [],
  };
}

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'clawback-train-status-'));
const server = http.createServer((req, res) => {
  const port = server.address().port;
  res.writeHead(req.url === '/api/status' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(req.url === '/api/status' ? standInStatus(port, stateDir) : { error: 'not found' }));
});
try {
  rmSync(codeCachePath(bundle), { force: true });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  writeFileSync(path.join(stateDir, 'daemon.json'), JSON.stringify({ pid: process.pid, startedAt: Date.now(), version: '0.0.0', api: { host: '127.0.0.1', port }, heartbeatAt: Date.now(), configPath: '', pidStartTime: ownStartTime() }));
  writeFileSync(path.join(stateDir, 'token'), 'training-token-0123456789abcdef\n', { mode: 0o600 });
  const loaded = loadWithCodeCache(bundle, createRequire(bundle));
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    await loaded.exports.runStatus({ stateDir }, true);
    await loaded.exports.runStatus({ stateDir }, false);
  } finally {
    process.stdout.write = write;
  }
  const bytes = writeCodeCache(bundle, loaded.script);
  console.log(`clawback: status code cache trained (${Math.round(bytes / 1024)} KiB)`);
} catch (err) {
  rmSync(codeCachePath(bundle), { force: true });
  console.error(`clawback: no code cache for the status command (it compiles from source): ${err?.stack ?? err}`);
} finally {
  server.close();
  rmSync(stateDir, { recursive: true, force: true });
}
