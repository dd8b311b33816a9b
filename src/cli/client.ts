// The CLI's way to the running daemon: find the state directory, read daemon.json and the token, call the API.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { findConfigFile } from '../config/load.js';
import { readDaemonInfo, type DaemonInfo } from '../daemon/heartbeat.js';
import { readToken } from '../server/token.js';

export interface GlobalOpts {
  config?: string;
  stateDir?: string;
}

/** Flag, env, the config file's stateDir, then ~/.clawback — without failing on an invalid config. */
export function clientStateDir(opts: GlobalOpts): string {
  if (opts.stateDir) return path.resolve(opts.stateDir);
  if (process.env.CLAWBACK_STATE_DIR) return path.resolve(process.env.CLAWBACK_STATE_DIR);
  const file = findConfigFile(opts.config ? { file: opts.config } : {});
  if (file) {
    try {
      const raw = YAML.parse(readFileSync(file, 'utf8')) as { stateDir?: unknown } | null;
      if (raw && typeof raw.stateDir === 'string') {
        const p = raw.stateDir.startsWith('~/') ? path.join(os.homedir(), raw.stateDir.slice(2)) : raw.stateDir;
        return path.resolve(path.dirname(file), p);
      }
    } catch {
      // An unreadable config: fall back to the default state directory.
    }
  }
  return path.join(os.homedir(), '.clawback');
}

export class DaemonUnreachable extends Error {}

export interface Client {
  info: DaemonInfo;
  stateDir: string;
  get<T>(p: string): Promise<T>;
  post<T>(p: string): Promise<{ status: number; body: T }>;
}

export async function connect(opts: GlobalOpts): Promise<Client> {
  const stateDir = clientStateDir(opts);
  const read = await readDaemonInfo(stateDir);
  if (!read.info) {
    throw new DaemonUnreachable(`no running clawback daemon found in ${stateDir} (${read.reason}); start one with \`clawback run\``);
  }
  const info = read.info;
  const token = readToken(stateDir);
  const host = info.api.host.includes(':') ? `[${info.api.host}]` : info.api.host;
  const base = `http://${host}:${info.api.port}`;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const call = async (method: string, p: string): Promise<Response> => {
    try {
      return await fetch(base + p, { method, headers, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      throw new DaemonUnreachable(`the daemon (pid ${info.pid}) does not answer at ${base}: ${(err as Error).cause ?? (err as Error).message}`);
    }
  };
  return {
    info,
    stateDir,
    async get<T>(p: string): Promise<T> {
      const res = await call('GET', p);
      if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async post<T>(p: string): Promise<{ status: number; body: T }> {
      const res = await call('POST', p);
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}
