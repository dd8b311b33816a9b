#!/usr/bin/env node
// `npm run bench`: Clawback and PM2 side by side on the demo gateway (same machine, same run), plus a scale run; writes bench/results/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, USAGE } from './lib/args.mjs';
import { createCleanup } from './lib/cleanup.mjs';
import { clawbackGatewayService, createClawback, daemonNodeFlags } from './lib/clawback-driver.mjs';
import { gatewayPaths, writeGatewayConfig } from './lib/gateway.mjs';
import { freePorts, sleep } from './lib/http.mjs';
import { createPm2, pm2GatewayApp } from './lib/pm2-driver.mjs';
import { procConstants } from './lib/procfs.mjs';
import { writeResults, fmtMs, fmtMiB } from './lib/report.mjs';
import { crashTrial } from './scenarios/crash.mjs';
import { hangTrial } from './scenarios/hang.mjs';
import { leakTrial } from './scenarios/leak.mjs';
import { corruptConfigTrial } from './scenarios/corrupt-config.mjs';
import { measureIdle } from './scenarios/idle.mjs';
import { statusLatency } from './scenarios/status-latency.mjs';
import { scaleRun } from './scenarios/scale.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const MIB = 1024 * 1024;
const CLAWBACK_BOUND_MS = 30_000;
const LEAK_BOUND_MS = 50_000;
const STATUS_SERVICES = 20;
const startedAt = performance.now();

const log = (msg) => process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function preflight(cbRoot) {
  const cli = path.join(cbRoot, 'dist', 'cli', 'main.js');
  if (!existsSync('/proc/self/stat')) throw new Error('the benchmark reads /proc: Linux only');
  if (!existsSync(cli)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
  if (newestMtime(path.join(cbRoot, 'src')) > statSync(cli).mtimeMs) log('warning: src/ is newer than dist/: run `npm run build` to measure the current code');
}

/** The run's header; commit and version are the measured build's (`--dist` may point at another checkout). */
function meta(opts, cbRoot) {
  const require = createRequire(import.meta.url);
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: cbRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const args = process.argv.slice(2).join(' ');
  return {
    date: new Date().toISOString(),
    command: `npm run bench${args ? ` -- ${args}` : ''}`,
    trials: opts.trials,
    options: opts,
    node: process.version,
    pm2Version: require('pm2/package.json').version,
    clawbackVersion: JSON.parse(readFileSync(path.join(cbRoot, 'package.json'), 'utf8')).version,
    commit,
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 1024 ** 3),
    platform: `${os.type()} ${os.release()}`,
    loadStart: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

/** Runs fn for both supervisors, trial by trial, alternating which goes first. */
async function alternate(name, trials, subjects, fn, results) {
  const out = { clawback: [], pm2: [] };
  for (let i = 0; i < trials; i++) {
    const order = i % 2 === 0 ? ['clawback', 'pm2'] : ['pm2', 'clawback'];
    for (const label of order) {
      try {
        const r = await fn(subjects[label]);
        out[label].push(r);
        log(`${name} #${i + 1} ${label}: ${JSON.stringify(r)}`);
      } catch (err) {
        out[label].push({ error: err.message });
        results.errors.push(`${name} #${i + 1} ${label}: ${err.message}`);
        log(`${name} #${i + 1} ${label}: ERROR ${err.message}`);
      }
    }
  }
  return out;
}

async function faultPhase(ctx) {
  const { opts, tmp, cleanup, consts, results } = ctx;
  const { server } = gatewayPaths(root);
  const [cbPort, pmPort] = await freePorts(2);
  const dirs = { clawback: path.join(tmp, 'faults-clawback'), pm2: path.join(tmp, 'faults-pm2') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const gw = { clawback: path.join(dirs.clawback, 'gateway.json'), pm2: path.join(dirs.pm2, 'gateway.json') };
  writeGatewayConfig(gw.clawback, 'demo-gateway');
  writeGatewayConfig(gw.pm2, 'demo-gateway');
  const cb = createClawback({ root: ctx.cbRoot, nodeFlags: ctx.nodeFlags, dir: dirs.clawback, cleanup, log, services: [clawbackGatewayService({ name: 'demo', port: cbPort, gwConfig: gw.clawback, server, memoryLimit: `${opts.limitMiB}MiB` })] });
  const pm = createPm2({ dir: dirs.pm2, cleanup, log, apps: [pm2GatewayApp({ name: 'demo', port: pmPort, gwConfig: gw.pm2, server, memoryLimit: `${opts.limitMiB}M` })] });
  log(`fault scenarios: Clawback gateway on 127.0.0.1:${cbPort}, PM2 gateway on 127.0.0.1:${pmPort}`);
  await cb.start();
  await pm.start();
  const subjects = {
    clawback: { label: 'clawback', sup: cb, name: 'demo', port: cbPort, gwConfig: gw.clawback },
    pm2: { label: 'pm2', sup: pm, name: 'demo', port: pmPort, gwConfig: gw.pm2 },
  };
  const bound = (s, pm2Bound) => (s.label === 'pm2' ? pm2Bound : CLAWBACK_BOUND_MS);
  const limitBytes = opts.limitMiB * MIB;
  const scenarios = {
    crash: (s) => crashTrial(s, { log }),
    hang: (s) => hangTrial(s, { log, boundMs: bound(s, opts.neverBoundMs) }),
    leak: (s) => leakTrial(s, { log, limitBytes, mbPerSec: opts.leakRate, boundMs: LEAK_BOUND_MS, pageSize: consts.pageSize }),
    config: (s) => corruptConfigTrial(s, { log, boundMs: bound(s, opts.configBoundMs) }),
  };
  for (const [name, fn] of Object.entries(scenarios)) {
    if (!opts.only.includes(name)) continue;
    log(`scenario ${name}: ${opts.trials} trial(s) each`);
    results.faults[name] = await alternate(name, opts.trials, subjects, fn, results);
    if (name === 'hang') results.faults.hang.boundMs = { clawback: CLAWBACK_BOUND_MS, pm2: opts.neverBoundMs };
    if (name === 'config') results.faults.config.boundMs = { clawback: CLAWBACK_BOUND_MS, pm2: opts.configBoundMs };
  }
  await cb.stop();
  await pm.stop();
}

/** Both supervisors with n gateways each, measured over the same window; the status command timed at STATUS_SERVICES. */
async function idlePhase(ctx) {
  const { opts, tmp, cleanup, consts, results } = ctx;
  const { server } = gatewayPaths(root);
  const sizes = opts.only.includes('idle') ? [1, STATUS_SERVICES] : [STATUS_SERVICES];
  for (const n of sizes) {
    const sups = {};
    for (const label of ['clawback', 'pm2']) {
      const dir = path.join(tmp, `idle-${n}-${label}`);
      mkdirSync(dir, { recursive: true });
      const gwConfig = path.join(dir, 'gateway.json');
      writeGatewayConfig(gwConfig, 'demo-gateway');
      const ports = await freePorts(n);
      const specs = ports.map((port, i) => ({ name: `demo-${i}`, port, gwConfig, server }));
      const sup =
        label === 'clawback'
          ? createClawback({ root: ctx.cbRoot, nodeFlags: ctx.nodeFlags, dir, cleanup, log, services: specs.map((s) => clawbackGatewayService({ ...s, memoryLimit: `${opts.limitMiB}MiB` })) })
          : createPm2({ dir, cleanup, log, apps: specs.map((s) => pm2GatewayApp({ ...s, memoryLimit: `${opts.limitMiB}M` })) });
      sups[label] = { sup, ports };
    }
    log(`at rest: ${n} service(s) under each supervisor`);
    await sups.clawback.sup.start();
    await sups.pm2.sup.start();
    if (opts.only.includes('idle')) {
      const [c, p] = await Promise.all(['clawback', 'pm2'].map((l) => measureIdle(sups[l].sup, sups[l].ports, { idleMs: opts.idleMs, settleMs: opts.settleMs, names: sups[l].ports.map((_, i) => `demo-${i}`), ...consts })));
      results.idle[n] = { clawback: c, pm2: p };
      log(`at rest, ${n}: clawback ${fmtMiB(c.rssBytes)} ${c.cpuPercent?.toFixed(2)} % | pm2 ${fmtMiB(p.rssBytes)} ${p.cpuPercent?.toFixed(2)} %`);
    }
    if (n === STATUS_SERVICES && opts.only.includes('status')) {
      const out = { services: n, clawback: [], pm2: [] };
      const env = { clawback: cleanup.env(), pm2: sups.pm2.sup.statusEnv };
      for (const l of ['clawback', 'pm2']) await statusLatency(sups[l].sup, env[l]); // warm the file cache
      for (let i = 0; i < opts.trials; i++) {
        for (const l of i % 2 === 0 ? ['clawback', 'pm2'] : ['pm2', 'clawback']) out[l].push(await statusLatency(sups[l].sup, env[l]));
      }
      results.status = out;
      log(`status: clawback ${out.clawback.map(fmtMs).join(', ')} | pm2 ${out.pm2.map(fmtMs).join(', ')}`);
    }
    await sups.clawback.sup.stop();
    await sups.pm2.sup.stop();
  }
}

function addNotes(results) {
  const notes = results.notes;
  const cfg = results.faults.config;
  if (cfg) {
    const states = cfg.pm2.filter((t) => t.pm2State).map((t) => `${t.pm2State.status} after ${t.pm2State.restarts} restarts`);
    if (states.length) notes.push(`PM2, corrupted config: state at the end of the bound: ${states.join('; ')} (the config was then restored by the benchmark and the app restarted with \`pm2 restart\`).`);
    const restored = cfg.clawback.filter((t) => t.restoredBySupervisor).length;
    notes.push(`Clawback restored the gateway config from its last-known-good snapshot in ${restored}/${cfg.clawback.length} trials.`);
  }
  const leak = results.faults.leak;
  if (leak) {
    const cross = [...leak.clawback, ...leak.pm2].map((t) => t.crossAfterMs).filter((v) => Number.isFinite(v));
    if (cross.length) notes.push(`Leak: the tree RSS crossed the limit ${fmtMs(Math.min(...cross))}–${fmtMs(Math.max(...cross))} after the leak started (tree RSS sampled every 50 ms from /proc).`);
  }
}

async function main() {
  let opts;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const cbRoot = opts.dist ? path.resolve(opts.dist) : root;
  preflight(cbRoot);
  const nodeFlags = await daemonNodeFlags(cbRoot, log);
  const cleanup = createCleanup({ log });
  cleanup.onSignals(opts.keep);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'clawback-bench-'));
  cleanup.addDir(tmp);
  const consts = procConstants();
  const results = { meta: meta(opts, cbRoot), faults: {}, idle: {}, notes: [], errors: [] };
  results.meta.clawbackRoot = cbRoot;
  results.meta.daemonNodeFlags = nodeFlags;
  log(`temp dir ${tmp}; ${opts.trials} trial(s); scenarios ${opts.only.join(', ')}; daemon: node ${nodeFlags.join(' ')} ${path.join(cbRoot, 'dist/cli/main.js')} run`);
  const ctx = { opts, tmp, cleanup, consts, results, cbRoot, nodeFlags };
  try {
    if (['crash', 'hang', 'leak', 'config'].some((s) => opts.only.includes(s))) await faultPhase(ctx);
    if (opts.only.includes('idle') || opts.only.includes('status')) {
      await cleanup.run({ keepDirs: true }); // nothing from the fault phase may linger into the quiet measurements
      await sleep(1000);
      await idlePhase(ctx);
    }
    if (opts.only.includes('scale')) {
      results.scale = [];
      for (const size of opts.scaleSizes) {
        await cleanup.run({ keepDirs: true });
        await sleep(1000);
        const dir = path.join(tmp, `scale-${size.services}`);
        mkdirSync(dir, { recursive: true });
        log(`scale: ${size.services} services, probes every ${size.intervalMs / 1000} s`);
        const flags = opts.cpuProf ? [...nodeFlags, '--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProf)}`] : nodeFlags;
        try {
          const r = await scaleRun({ root: cbRoot, dir, cleanup, log, count: size.services, intervalMs: size.intervalMs, windowMs: opts.scaleMs, warmupMs: opts.settleMs, nodeFlags: flags, ...consts });
          results.scale.push(r);
          log(`scale ${size.services}: cpu ${r.cpuPercent?.toFixed(2)} % (${r.cpuSeconds} s), rss ${fmtMiB(r.rssBytes)}, lateness ${JSON.stringify(r.probeLatenessMs)} daemon ${JSON.stringify(r.daemonLatenessMs)}`);
        } catch (err) {
          results.scale.push({ services: size.services, intervalMs: size.intervalMs, error: err.message });
          results.errors.push(`scale ${size.services}: ${err.message}`);
        }
      }
    }
  } catch (err) {
    results.errors.push(`aborted: ${err.stack ?? err.message}`);
    log(`aborted: ${err.stack ?? err.message}`);
  } finally {
    await cleanup.run({ keepDirs: opts.keep });
  }
  if (opts.keep) log(`kept ${tmp}`);
  addNotes(results);
  results.meta.loadEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  results.meta.durationSeconds = (performance.now() - startedAt) / 1000;
  const { md, files } = writeResults(opts.out ? path.resolve(opts.out) : path.join(here, 'results'), results);
  process.stdout.write(md);
  log(`wrote ${files.join(', ')}`);
  if (results.errors.length) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
