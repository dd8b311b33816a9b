// A small honest stand-in for the OpenClaw gateway: the service Clawback supervises in the demo, tests, drills and benchmarks.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acquireLock } from './lock-file.mjs';

const EX_USAGE = 64;
const EX_CONFIG = 78;
const MIB = 1024 * 1024;
const LEAK_TICK_MS = 100;
const SHUTDOWN_FORCE_MS = 500;
const SHUTDOWN_DEADLINE_MS = 1000;
const TOP_LEVEL_KEYS = ['name', 'host', 'port', 'startupDelayMs', 'faults', 'dependency', 'dataDir'];
const FAULT_KEYS = ['enabled'];
const DEPENDENCY_KEYS = ['url', 'intervalMs'];
const DATA_WRITE_MS = 500;
const DATA_RECORD_BYTES = 4096;

/** Thrown for any bad setting; `main` turns it into one stderr line and exit 78. */
class ConfigError extends Error {}

function log(level, msg, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

function describe(value) {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function parseCli(argv) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        'check-config': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (err) {
    process.stderr.write(`demo-gateway: ${err.message}\nusage: node server.mjs [--config PATH] [--port N] | --check-config PATH\n`);
    process.exit(EX_USAGE);
  }
}

function isInt(value, min, max) {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Parses an integer from a string (env var, CLI flag, query); returns undefined when it is not one. */
function intFrom(text, min, max) {
  if (typeof text !== 'string' || !/^-?\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return isInt(n, min, max) ? n : undefined;
}

function numberFrom(text, min, max) {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

function loadConfig(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read file (${err.code ?? err.message})`);
  }
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${err.message})`);
  }
  return validateConfig(file, raw);
}

function validateConfig(file, raw) {
  const fail = (field, expected, got) => {
    throw new ConfigError(`${file}: ${field}: expected ${expected}, got ${describe(got)}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('(top level)', 'an object', raw);
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      throw new ConfigError(`${file}: ${key}: unknown key (allowed: ${TOP_LEVEL_KEYS.join(', ')})`);
    }
  }
  const config = { name: 'demo-gateway', host: '127.0.0.1', port: 18789, startupDelayMs: 0, faultsEnabled: true, dependency: undefined, dataDir: undefined };
  if ('name' in raw) {
    if (typeof raw.name !== 'string' || raw.name === '') fail('name', 'a non-empty string', raw.name);
    config.name = raw.name;
  }
  if ('host' in raw) {
    if (typeof raw.host !== 'string' || raw.host === '') fail('host', 'a non-empty string', raw.host);
    config.host = raw.host;
  }
  if ('port' in raw) {
    if (!isInt(raw.port, 0, 65535)) fail('port', 'an integer 0-65535', raw.port);
    config.port = raw.port;
  }
  if ('startupDelayMs' in raw) {
    if (!isInt(raw.startupDelayMs, 0, Number.MAX_SAFE_INTEGER)) fail('startupDelayMs', 'an integer >= 0', raw.startupDelayMs);
    config.startupDelayMs = raw.startupDelayMs;
  }
  if ('dependency' in raw) {
    const dep = raw.dependency;
    if (dep === null || typeof dep !== 'object' || Array.isArray(dep)) fail('dependency', 'an object { url, intervalMs? }', dep);
    for (const key of Object.keys(dep)) {
      if (!DEPENDENCY_KEYS.includes(key)) throw new ConfigError(`${file}: dependency.${key}: unknown key (allowed: ${DEPENDENCY_KEYS.join(', ')})`);
    }
    let url;
    try {
      url = typeof dep.url === 'string' ? new URL(dep.url) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('dependency.url', 'an http(s) URL', dep.url);
    const intervalMs = 'intervalMs' in dep ? dep.intervalMs : 500;
    if (!isInt(intervalMs, 50, 60_000)) fail('dependency.intervalMs', 'an integer 50-60000', dep.intervalMs);
    config.dependency = { url: url.href, intervalMs };
  }
  if ('dataDir' in raw) {
    if (typeof raw.dataDir !== 'string' || raw.dataDir === '') fail('dataDir', 'a non-empty path', raw.dataDir);
    config.dataDir = path.resolve(path.dirname(file), raw.dataDir);
  }
  if ('faults' in raw) {
    const faults = raw.faults;
    if (faults === null || typeof faults !== 'object' || Array.isArray(faults)) fail('faults', 'an object', faults);
    for (const key of Object.keys(faults)) {
      if (!FAULT_KEYS.includes(key)) throw new ConfigError(`${file}: faults.${key}: unknown key (allowed: ${FAULT_KEYS.join(', ')})`);
    }
    if ('enabled' in faults) {
      if (typeof faults.enabled !== 'boolean') fail('faults.enabled', 'a boolean', faults.enabled);
      config.faultsEnabled = faults.enabled;
    }
  }
  return config;
}

/** Start-time overrides and faults from CLI flags and environment variables. */
function applyOverrides(config, cli, env) {
  const intEnv = (name, min, max, expected) => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const n = intFrom(text, min, max);
    if (n === undefined) throw new ConfigError(`env ${name}: expected ${expected}, got ${describe(text)}`);
    return n;
  };
  if (cli.port !== undefined) {
    const port = intFrom(cli.port, 0, 65535);
    if (port === undefined) throw new ConfigError(`--port: expected an integer 0-65535, got ${describe(cli.port)}`);
    config.port = port;
  } else {
    const port = intEnv('PORT', 0, 65535, 'an integer 0-65535');
    if (port !== undefined) config.port = port;
  }
  const delay = intEnv('DEMO_STARTUP_DELAY_MS', 0, Number.MAX_SAFE_INTEGER, 'an integer >= 0');
  if (delay !== undefined) config.startupDelayMs = delay;
  config.ignoreSigterm = env.DEMO_IGNORE_SIGTERM === '1' || env.DEMO_IGNORE_SIGTERM === 'true';
  config.crashAfterMs = intEnv('DEMO_CRASH_AFTER_MS', 0, 2 ** 31 - 1, 'an integer >= 0');
  const leak = env.DEMO_LEAK_MB_PER_SEC;
  if (leak !== undefined && leak !== '') {
    const n = numberFrom(leak, 0.1, 100_000);
    if (n === undefined) throw new ConfigError(`env DEMO_LEAK_MB_PER_SEC: expected a number > 0, got ${describe(leak)}`);
    config.leakMbPerSec = n;
  }
  return config;
}

/** Retains real, touched memory at a steady rate until stopped or capped. */
function createLeak() {
  const retained = [];
  let timer;
  let offTimer;
  let bytes = 0;
  return {
    /** `ms`: the leak switches itself off (and frees what it held) after that long, so a drill killed mid-trial leaves none. */
    start(mbPerSec, maxMb, ms) {
      this.stopGrowing();
      if (offTimer !== undefined) clearTimeout(offTimer);
      offTimer = undefined;
      if (ms !== undefined) {
        offTimer = setTimeout(() => {
          const freedMb = Math.round(bytes / MIB);
          this.release();
          log('info', 'fault: leak switched itself off', { ms, freedMb });
        }, ms);
        offTimer.unref();
      }
      const perTick = Math.max(1, Math.round((mbPerSec * MIB * LEAK_TICK_MS) / 1000));
      const cap = maxMb * MIB;
      timer = setInterval(() => {
        const size = Math.min(perTick, cap - bytes);
        if (size <= 0) {
          this.stopGrowing();
          log('warn', 'leak cap reached', { leakedMb: Math.round(bytes / MIB) });
          return;
        }
        // A non-zero fill writes every page, so the memory is resident, not just reserved.
        retained.push(Buffer.alloc(size, (retained.length % 251) + 1));
        bytes += size;
      }, LEAK_TICK_MS);
    },
    stopGrowing() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    release() {
      this.stopGrowing();
      if (offTimer !== undefined) clearTimeout(offTimer);
      offTimer = undefined;
      retained.length = 0;
      bytes = 0;
    },
    get bytes() {
      return bytes;
    },
  };
}

function isLoopback(address) {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function sendJson(res, status, body, extraHeaders = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extraHeaders,
  });
  res.end(text);
}

function busyWait(ms) {
  const end = ms === undefined ? Infinity : Date.now() + ms;
  // Deliberately blocks the event loop: health checks, timers and signal handlers all stall.
  while (Date.now() < end) {
    // spin
  }
}

function createGateway(config) {
  const startedAt = performance.now();
  const state = { unhealthyStatus: undefined, ignoreSigterm: config.ignoreSigterm, shuttingDown: false, dependencyUp: !config.dependency, diskError: undefined };
  const leak = createLeak();

  /** Why the gateway cannot do useful work right now (it is still live: a restart would not fix any of these). */
  function notReadyReasons() {
    const out = [];
    if (config.dependency && !state.dependencyUp) out.push(`dependency ${config.dependency.url} is down`);
    if (state.diskError) out.push(`cannot write to ${config.dataDir}: ${state.diskError}`);
    return out;
  }

  function healthBody() {
    return {
      ok: state.unhealthyStatus === undefined,
      ready: notReadyReasons().length === 0,
      status: state.unhealthyStatus === undefined ? 'live' : 'unhealthy',
      pid: process.pid,
      uptimeMs: Math.round(performance.now() - startedAt),
      rssBytes: process.memoryUsage.rss(),
      name: config.name,
    };
  }

  /** Fault switches: each returns [status, body, afterResponse?]. */
  const faults = {
    crash(q) {
      const code = q.has('code') ? intFrom(q.get('code'), 0, 255) : 1;
      if (code === undefined) return [400, { error: 'code: expected an integer 0-255' }];
      return [202, { accepted: 'crash', code }, () => {
        log('warn', 'fault: crashing', { code });
        process.exit(code);
      }];
    },
    hang(q) {
      const ms = q.has('ms') ? intFrom(q.get('ms'), 0, Number.MAX_SAFE_INTEGER) : undefined;
      if (q.has('ms') && ms === undefined) return [400, { error: 'ms: expected an integer >= 0' }];
      return [202, { accepted: 'hang', ms: ms ?? 'forever' }, () => {
        log('warn', 'fault: blocking the event loop', { ms: ms ?? 'forever' });
        setImmediate(() => {
          busyWait(ms);
          log('info', 'fault: event loop unblocked', { ms });
        });
      }];
    },
    leak(q) {
      const mbPerSec = q.has('mbPerSec') ? numberFrom(q.get('mbPerSec'), 0.1, 100_000) : 50;
      const maxMb = q.has('maxMb') ? numberFrom(q.get('maxMb'), 1, 1_000_000) : 4096;
      if (mbPerSec === undefined) return [400, { error: 'mbPerSec: expected a number > 0' }];
      if (maxMb === undefined) return [400, { error: 'maxMb: expected a number >= 1' }];
      const ms = q.has('ms') ? intFrom(q.get('ms'), 1, Number.MAX_SAFE_INTEGER) : undefined;
      if (q.has('ms') && ms === undefined) return [400, { error: 'ms: expected an integer >= 1' }];
      log('warn', 'fault: leaking memory', { mbPerSec, maxMb, ms: ms ?? 'until reset' });
      leak.start(mbPerSec, maxMb, ms);
      return [202, { accepted: 'leak', mbPerSec, maxMb, ms: ms ?? 'until reset' }];
    },
    unhealthy(q) {
      const status = q.has('status') ? intFrom(q.get('status'), 400, 599) : 500;
      if (status === undefined) return [400, { error: 'status: expected an integer 400-599' }];
      log('warn', 'fault: health now fails', { status });
      state.unhealthyStatus = status;
      return [202, { accepted: 'unhealthy', status }];
    },
    'ignore-sigterm'() {
      log('warn', 'fault: ignoring SIGTERM from now on');
      state.ignoreSigterm = true;
      return [202, { accepted: 'ignore-sigterm' }];
    },
    reset() {
      const freedMb = Math.round(leak.bytes / MIB);
      leak.release();
      state.unhealthyStatus = undefined;
      log('info', 'fault: reset', { freedMb });
      return [200, { reset: true, freedMb }];
    },
  };

  function handleFault(req, res, name, query) {
    const fault = Object.hasOwn(faults, name) ? faults[name] : undefined;
    if (!fault) return sendJson(res, 404, { error: 'unknown fault', faults: Object.keys(faults) });
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
    if (!config.faultsEnabled) return sendJson(res, 403, { error: 'fault switches are disabled (faults.enabled=false)' });
    if (!isLoopback(req.socket.remoteAddress)) return sendJson(res, 403, { error: 'fault switches are loopback only' });
    const [status, body, after] = fault(query);
    if (after) res.once('finish', after);
    sendJson(res, status, body, after ? { connection: 'close' } : {});
  }

  function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    if (route.startsWith('/fault/')) return handleFault(req, res, route.slice('/fault/'.length), url.searchParams);
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (route === '/health' || route === '/healthz') {
      if (!isRead) return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
      return sendJson(res, state.unhealthyStatus ?? 200, healthBody());
    }
    if (route === '/readyz') {
      if (!isRead) return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
      const reasons = notReadyReasons();
      return sendJson(res, reasons.length ? 503 : 200, reasons.length ? { ready: false, reasons } : { ready: true });
    }
    if (route === '/') {
      if (!isRead) return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
      return sendJson(res, 200, { hello: config.name, endpoints: ['/health', '/healthz', '/readyz', '/fault/*'] });
    }
    return sendJson(res, 404, { error: 'not found', path: route });
  }

  const server = http.createServer(handle);
  server.keepAliveTimeout = 5000;
  const timers = new Set();

  function shutdown(signal) {
    if (signal === 'SIGTERM' && state.ignoreSigterm) {
      log('warn', 'SIGTERM received and ignored');
      return;
    }
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    log('info', 'shutting down', { signal });
    leak.release();
    for (const t of timers) clearTimeout(t);
    if (!server.listening) process.exit(0);
    server.close(() => {
      log('info', 'stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_FORCE_MS).unref();
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
  }

  /** Polls the dependency (GET, 2xx = up); readiness follows it, liveness does not. */
  function checkDependency() {
    const done = (up, why) => {
      if (up !== state.dependencyUp) log(up ? 'info' : 'warn', up ? 'dependency back' : 'dependency down', { url: config.dependency.url, ...(why ? { why } : {}) });
      state.dependencyUp = up;
      if (state.shuttingDown) return;
      const t = setTimeout(() => {
        timers.delete(t);
        checkDependency();
      }, config.dependency.intervalMs);
      timers.add(t);
    };
    const req = http.get(config.dependency.url, { timeout: Math.max(200, config.dependency.intervalMs), agent: false }, (res) => {
      res.resume();
      done(res.statusCode >= 200 && res.statusCode < 300, `HTTP ${res.statusCode}`);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (err) => done(false, err.code ?? err.message));
  }

  /** Saves a small record in the data dir (write + rename) every DATA_WRITE_MS; a failed write makes it not ready, not dead. */
  function writeData() {
    const file = path.join(config.dataDir, 'gateway-state.json');
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(config.dataDir, { recursive: true });
      const record = JSON.stringify({ time: new Date().toISOString(), pid: process.pid });
      writeFileSync(tmp, record.padEnd(DATA_RECORD_BYTES, ' '));
      renameSync(tmp, file);
      if (state.diskError) log('info', 'data dir writable again', { dataDir: config.dataDir });
      state.diskError = undefined;
    } catch (err) {
      rmSync(tmp, { force: true });
      const code = err.code ?? err.message;
      if (state.diskError !== code) log('error', 'cannot write to the data dir', { dataDir: config.dataDir, code });
      state.diskError = code;
    }
    if (state.shuttingDown) return;
    const t = setTimeout(() => {
      timers.delete(t);
      writeData();
    }, DATA_WRITE_MS);
    timers.add(t);
  }

  function start() {
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    if (config.leakMbPerSec !== undefined) {
      log('warn', 'fault: leaking memory from start', { mbPerSec: config.leakMbPerSec });
      leak.start(config.leakMbPerSec, 4096);
    }
    if (config.crashAfterMs !== undefined) {
      timers.add(setTimeout(() => {
        log('error', 'fault: crashing on DEMO_CRASH_AFTER_MS', { afterMs: config.crashAfterMs });
        process.exit(1);
      }, config.crashAfterMs));
    }
    server.on('error', (err) => {
      log('error', 'listen failed', { code: err.code, host: config.host, port: config.port });
      process.stderr.write(`demo-gateway: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
      process.exit(1);
    });
    const listen = () => {
      timers.delete(delayTimer);
      if (state.shuttingDown) return;
      server.listen(config.port, config.host, () => {
        const address = server.address();
        log('info', 'listening', { port: address.port, host: config.host, pid: process.pid, name: config.name });
      });
    };
    if (config.dependency) checkDependency();
    if (config.dataDir) writeData();
    if (config.startupDelayMs > 0) log('info', 'starting slowly', { startupDelayMs: config.startupDelayMs });
    const delayTimer = setTimeout(listen, config.startupDelayMs);
    timers.add(delayTimer);
  }

  return { start };
}

function main() {
  const exitNow = process.env.DEMO_EXIT_CODE;
  if (exitNow !== undefined && exitNow !== '') {
    const code = intFrom(exitNow, 0, 255);
    if (code === undefined) {
      process.stderr.write(`demo-gateway: config invalid: env DEMO_EXIT_CODE: expected an integer 0-255, got ${describe(exitNow)}\n`);
      process.exit(EX_CONFIG);
    }
    log('error', 'fault: exiting at start on DEMO_EXIT_CODE', { code });
    process.exit(code);
  }
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    process.stdout.write('usage: node server.mjs [--config PATH] [--port N] | --check-config PATH\nsee README.md beside this file\n');
    return;
  }
  if (cli['check-config'] !== undefined) {
    // Validator mode (like `openclaw config validate`): exit 0 when the file is valid, 78 when not.
    try {
      loadConfig(path.resolve(cli['check-config']));
      process.stdout.write('config valid\n');
      return;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`demo-gateway: config invalid: ${err.message}\n`);
      process.exit(EX_CONFIG);
    }
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = path.resolve(cli.config ?? (process.env.DEMO_GATEWAY_CONFIG || path.join(here, 'gateway.json')));
  let config;
  try {
    config = applyOverrides(loadConfig(file), cli, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`demo-gateway: config invalid: ${err.message}\n`);
    process.exit(EX_CONFIG);
  }
  const lockFile = process.env.DEMO_LOCK_FILE;
  if (lockFile) {
    const lock = acquireLock(path.resolve(lockFile), { reclaimStale: process.env.DEMO_RECLAIM_STALE_LOCK === '1' });
    if (lock.error) {
      log('error', 'lock refused', { lockFile });
      process.stderr.write(`demo-gateway: ${lock.error}\n`);
      process.exit(EX_CONFIG);
    }
    // Released on every exit the process itself takes; a SIGKILL leaves it behind (a stale lock).
    process.on('exit', () => lock.release());
  }
  createGateway(config).start();
}

main();
