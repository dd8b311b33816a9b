// A real EmergencyHost for tests: the demo gateway as a real process, its config a real file, health over HTTP.
import { appendFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { EmergencyHost, SnapshotInfo } from '../../src/emergency/tool-host.js';
import { writeFileAtomic } from '../../src/platform/atomic-write.js';
import { DEMO_GATEWAY_SERVER, findListeningLine, spawnDemoGateway } from '../helpers/demo.js';
import { PROCESS_START_MS, httpGet, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

export interface DemoHostOptions {
  dir: string;
  serviceName: string;
  configText: string;
  env?: Record<string, string>;
}

export class DemoHost implements EmergencyHost {
  readonly serviceName: string;
  readonly configPath: string;
  readonly logFile: string;
  readonly calls: string[] = [];
  private readonly snapDir: string;
  private child: MarkedChild | undefined;
  private seq = 0;

  private constructor(private readonly opts: DemoHostOptions) {
    this.serviceName = opts.serviceName;
    this.configPath = path.join(opts.dir, 'gateway.json');
    this.logFile = path.join(opts.dir, 'logs', `${opts.serviceName}.log`);
    this.snapDir = path.join(opts.dir, 'host-snapshots');
  }

  static async create(opts: DemoHostOptions): Promise<DemoHost> {
    const h = new DemoHost(opts);
    await fs.mkdir(path.dirname(h.logFile), { recursive: true });
    await fs.mkdir(h.snapDir, { recursive: true });
    await fs.writeFile(h.configPath, opts.configText);
    await fs.writeFile(h.logFile, '');
    return h;
  }

  /** Starts the gateway (as the daemon would) and waits until it listens or exits. */
  async start(): Promise<string> {
    const child = spawnDemoGateway({ configPath: this.configPath, port: null, env: this.opts.env });
    this.child = child;
    const append = (chunk: Buffer | string): void => appendFileSync(this.logFile, chunk);
    child.child.stdout?.on('data', append);
    child.child.stderr?.on('data', append);
    // Until it listens or exits, on a generous bound that throws: a short one swallowed ran out on a loaded machine
    // (a node start past 3 s) and answered 'started, not listening yet' for a gateway about to exit 78 or to listen.
    await waitFor(() => child.exitInfo() !== undefined || findListeningLine(child.stdout()) !== undefined, {
      timeoutMs: PROCESS_START_MS,
      intervalMs: 20,
      message: () => `the demo gateway (pid ${child.pid}) to listen or exit; stdout: ${child.stdout().slice(-500)} stderr: ${child.stderr().slice(-500)}`,
    });
    const exit = child.exitInfo();
    if (exit) return `exited with code ${exit.code}: ${child.stderr().trim().split('\n').pop() ?? ''}`;
    return `running, listening on port ${findListeningLine(child.stdout())!.port}`;
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c) return;
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }

  async tailLog(lines: number): Promise<string> {
    this.calls.push(`tailLog(${lines})`);
    const text = await fs.readFile(this.logFile, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  }

  async readConfig(): Promise<string> {
    this.calls.push('readConfig');
    return fs.readFile(this.configPath, 'utf8');
  }

  async validateConfig(text: string): Promise<{ ok: boolean; error?: string }> {
    this.calls.push('validateConfig');
    const tmp = path.join(this.opts.dir, `.candidate-${this.seq++}.json`);
    await fs.writeFile(tmp, text);
    try {
      const c = spawnMarked(process.execPath, [DEMO_GATEWAY_SERVER, '--check-config', tmp]);
      const exit = await c.waitForExit(10_000);
      return exit.code === 0 ? { ok: true } : { ok: false, error: c.stderr().trim() || `exit ${exit.code}` };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    this.calls.push('listSnapshots');
    const names = (await fs.readdir(this.snapDir)).filter((n) => n.endsWith('.json')).sort().reverse();
    return Promise.all(
      names.map(async (n) => {
        const bytes = await fs.readFile(path.join(this.snapDir, n));
        const st = await fs.stat(path.join(this.snapDir, n));
        return { id: n.replace(/\.json$/, ''), savedAt: st.mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') };
      }),
    );
  }

  async readSnapshot(id: string): Promise<string | undefined> {
    this.calls.push(`readSnapshot(${id})`);
    if (!/^[\w-]+$/.test(id)) return undefined;
    return fs.readFile(path.join(this.snapDir, `${id}.json`), 'utf8').catch(() => undefined);
  }

  /** Puts a snapshot in place as if an earlier write had saved it (a test's history). */
  async seedSnapshot(id: string, text: string): Promise<void> {
    await fs.writeFile(path.join(this.snapDir, `${id}.json`), text);
  }

  async restoreSnapshot(id: string): Promise<string> {
    this.calls.push(`restoreSnapshot(${id})`);
    if (!/^[\w-]+$/.test(id)) throw new Error(`no snapshot ${id}`);
    const bytes = await fs.readFile(path.join(this.snapDir, `${id}.json`));
    await this.snapshotCurrent();
    await writeFileAtomic(this.configPath, bytes, { mode: 0o644 });
    return `restored ${id}`;
  }

  async writeConfig(text: string): Promise<string> {
    this.calls.push('writeConfig');
    const v = await this.validateConfig(text);
    if (!v.ok) throw new Error(`invalid config: ${v.error}`);
    const id = await this.snapshotCurrent();
    await writeFileAtomic(this.configPath, text, { mode: 0o644 });
    return `written (previous version saved as ${id})`;
  }

  async runDoctor(): Promise<string> {
    this.calls.push('runDoctor');
    const v = await this.validateConfig(await fs.readFile(this.configPath, 'utf8'));
    return v.ok ? 'doctor: config valid, nothing to repair' : `doctor: config invalid (${v.error}); no last-known-good snapshot to restore`;
  }

  async restartService(): Promise<string> {
    this.calls.push('restartService');
    await this.stop();
    return this.start();
  }

  async checkHealth(): Promise<{ healthy: boolean; detail: string }> {
    this.calls.push('checkHealth');
    const c = this.child;
    if (!c) return { healthy: false, detail: 'not running' };
    const exit = c.exitInfo();
    if (exit) return { healthy: false, detail: `not running (exit code ${exit.code})` };
    const l = findListeningLine(c.stdout());
    if (!l) return { healthy: false, detail: 'not listening yet' };
    try {
      const r = await httpGet(`http://127.0.0.1:${l.port}/health`, 2000);
      return { healthy: r.status === 200, detail: `GET /health -> ${r.status}` };
    } catch (e) {
      return { healthy: false, detail: `GET /health failed: ${(e as Error).message}` };
    }
  }

  private async snapshotCurrent(): Promise<string> {
    const id = `snap-${Date.now()}-${this.seq++}`;
    await fs.copyFile(this.configPath, path.join(this.snapDir, `${id}.json`));
    return id;
  }
}
