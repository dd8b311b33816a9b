// The npm package as `npm i -g clawback` users get it: packed, installed into a temporary prefix, and run from a
// directory outside the repository: --version, validate on every example config, a short run of the embedded demo,
// and the banner's status hint executed exactly as printed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { freePort } from '../helpers/ports.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { ROOT } from './markdown.js';

const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv (no shell unless argv[0] is sh) with a bound; the child carries the test marker. */
function run(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: { ...opts.env, CLAWBACK_TEST_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not finish within ${opts.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the npm package, installed globally', () => {
  let tmp: string;
  let prefix: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let installed: string;
  let installOutput = '';
  let daemon: MarkedChild | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'clawback-pack-'));
    prefix = path.join(tmp, 'prefix');
    work = path.join(tmp, 'elsewhere');
    mkdirSync(work);
    mkdirSync(path.join(tmp, 'home'));
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['CLAWBACK_CONFIG', 'CLAWBACK_STATE_DIR', 'npm_config_prefix', 'npm_config_global', 'INIT_CWD']) delete base[k];
    // dist/ is what ships; `npm test` builds it first. Run alone, the test builds it when a source is newer (never
    // packs a missing or stale dist/, and never skips).
    const built = await run([process.execPath, path.join(ROOT, 'scripts', 'build-if-stale.mjs')], { cwd: ROOT, env: base, timeoutMs: 300_000 });
    expect(built.code, built.stderr).toBe(0);
    expect(existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))).toBe(true);
    const packed = await run(['npm', 'pack', '--ignore-scripts', '--pack-destination', tmp, '--silent'], { cwd: ROOT, env: base, timeoutMs: 120_000 });
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = path.join(tmp, `${PKG.name}-${PKG.version}.tgz`);
    expect(existsSync(tarball)).toBe(true);
    // Dependencies come from the npm cache when they are there; the registry otherwise.
    const inst = await run(['npm', 'install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: work,
      env: base,
      timeoutMs: 240_000,
    });
    installOutput = inst.stdout + inst.stderr;
    expect(inst.code, installOutput).toBe(0);
    installed = path.join(prefix, 'lib', 'node_modules', PKG.name);
    env = { ...base, HOME: path.join(tmp, 'home'), PATH: `${path.join(prefix, 'bin')}${path.delimiter}${base.PATH ?? ''}` };
  }, 700_000);

  afterAll(async () => {
    if (daemon && !daemon.exitInfo()) {
      daemon.child.kill('SIGTERM');
      await daemon.waitForExit(15_000).catch(() => daemon?.kill());
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it('installs without engine warnings and puts `clawback` on PATH', async () => {
    expect(installOutput).not.toMatch(/EBADENGINE/);
    expect(existsSync(path.join(prefix, 'bin', 'clawback'))).toBe(true);
    const r = await run(['clawback', '--version'], { cwd: work, env, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(PKG.version);
    // The README the help points at, and the docs it links to, ship in the package.
    const help = await run(['clawback', '--help'], { cwd: work, env, timeoutMs: 30_000 });
    const readme = /Docs: (.+README\.md)/.exec(help.stdout)?.[1];
    expect(readme && existsSync(readme), help.stdout).toBe(true);
    for (const m of readFileSync(readme!, 'utf8').matchAll(/`(docs\/[\w-]+\.md)`/g)) expect(existsSync(path.join(installed, m[1]!)), m[1]).toBe(true);
  });

  it('validates every example config shipped in the package', async () => {
    const examples = path.join(installed, 'examples');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/^clawback(\.[a-z0-9-]+)?\.(ya?ml|json)$/.test(e.name)) files.push(p);
        else if (e.name.endsWith('.yaml') && dir.endsWith('kubernetes')) {
          // A clawback.yaml embedded in a ConfigMap, as the deployment mounts it.
          for (const doc of YAML.parseAllDocuments(readFileSync(p, 'utf8'))) {
            const o = doc.toJSON() as { kind?: string; data?: Record<string, string> } | null;
            const cfg = o?.kind === 'ConfigMap' ? o.data?.['clawback.yaml'] : undefined;
            if (cfg) {
              const out = path.join(tmp, `configmap-${e.name}`);
              writeFileSync(out, cfg);
              files.push(out);
            }
          }
        }
      }
    };
    walk(examples);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const r = await run(['clawback', 'validate', '--config', f], { cwd: work, env, timeoutMs: 30_000 });
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('valid');
    }
  }, 120_000);

  it('runs the embedded demo from outside the repository, and the banner status hint works as printed', async () => {
    const stateDir = path.join(tmp, 'state');
    const demoPort = await freePort();
    daemon = spawnMarked('clawback', ['run', '--state-dir', stateDir, '--api-port', '0'], { cwd: work, env: { ...env, CLAWBACK_DEMO_PORT: String(demoPort) } });
    const banner = await daemon.waitForStdout(/status:\s+.+\n/, 60_000);
    expect(banner).toContain('(embedded demo');
    await waitFor(
      async () => {
        const r = await run(['clawback', 'status', '--json', '--state-dir', stateDir], { cwd: work, env, timeoutMs: 20_000 });
        if (r.code !== 0) return null;
        const s = JSON.parse(r.stdout) as { services: Array<{ name: string; health: string }> };
        return s.services.find((x) => x.name === 'demo-gateway' && x.health === 'healthy') ?? null;
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'the demo gateway to turn healthy' },
    );
    const res = await fetch(`http://127.0.0.1:${demoPort}/health`);
    expect(res.status).toBe(200);
    // The hint, pasted into a shell exactly as the banner printed it.
    const hint = /status:\s+(.+)\n/.exec(banner)![1]!.trim();
    const pasted = await run(['sh', '-c', hint], { cwd: work, env, timeoutMs: 30_000 });
    expect(pasted.code, `${hint}\n${pasted.stderr}`).toBe(0);
    expect(pasted.stdout).toContain('demo-gateway');

    daemon.child.kill('SIGTERM');
    const exit = await daemon.waitForExit(30_000);
    expect(exit.code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${demoPort}/health`)).rejects.toThrow();
  }, 180_000);
});
