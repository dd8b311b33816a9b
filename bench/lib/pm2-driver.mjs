// Runs PM2 for the benchmark: an isolated PM2_HOME, an ecosystem file, the God daemon's pid, and `pm2 kill` at the end.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** One demo-gateway app as a PM2 user would declare it: defaults plus max_memory_restart. */
export function pm2GatewayApp({ name, port, gwConfig, server, memoryLimit }) {
  return { name, script: server, args: ['--config', gwConfig, '--port', String(port)], max_memory_restart: memoryLimit, autorestart: true };
}

/** Runs argv to completion (bounded); resolves {code, stdout, stderr, ms}. */
export function runCommand(argv, { env, cwd, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - t0 });
    });
  });
}

export function pm2Bin() {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('pm2/package.json')), 'bin', 'pm2');
}

export function createPm2({ dir, cleanup, log, apps }) {
  const home = path.join(dir, 'pm2-home');
  const bin = pm2Bin();
  const env = cleanup.env({ PM2_HOME: home, PM2_DISCRETE_MODE: 'true' });
  const ecosystem = path.join(dir, 'ecosystem.config.cjs');
  let started = false;

  const pm2 = (args, timeoutMs = 60_000) => runCommand([process.execPath, bin, ...args], { env, cwd: dir, timeoutMs });

  async function start() {
    mkdirSync(home, { recursive: true });
    writeFileSync(ecosystem, `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`);
    cleanup.add('pm2 kill', stop);
    started = true;
    const r = await pm2(['start', ecosystem]);
    if (r.code !== 0) throw new Error(`pm2 start failed (${r.code}): ${r.stderr.slice(-1000)}`);
    return { pid: daemonPid() };
  }

  function daemonPid() {
    try {
      return Number(readFileSync(path.join(home, 'pm2.pid'), 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  async function stop() {
    if (!started) return;
    started = false;
    const r = await pm2(['kill'], 30_000);
    if (r.code !== 0) log(`pm2 kill exited ${r.code}: ${r.stderr.slice(-500)}`);
  }

  return {
    label: 'pm2',
    home,
    start,
    stop,
    get pid() {
      return daemonPid();
    },
    async jlist() {
      const r = await pm2(['jlist']);
      const text = r.stdout.slice(r.stdout.indexOf('['));
      return JSON.parse(text);
    },
    restart: (name) => pm2(['restart', name]),
    /** Brings an app back after a trial that left it down or errored. */
    recover: (name) => pm2(['restart', name]),
    statusCommand: () => [process.execPath, bin, 'jlist'],
    statusEnv: env,
  };
}
