// The CLI's way to the running daemon: find the state directory, read daemon.json and the token, call the API.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { findConfigFile } from '../config/find-config.js';
import { readDaemonInfo, type DaemonInfo } from '../daemon/heartbeat.js';
import { readToken } from '../server/token.js';

export interface GlobalOpts {
  config?: string;
  stateDir?: string;
}

/**
 * The top-level `stateDir:` of a YAML or JSON config, read without a YAML parser so that client
 * commands stay fast; a file written differently falls back to the default directory.
 */
function stateDirLine(text: string): { stateDir?: unknown } | null {
  const m = /^\s*"?stateDir"?\s*:\s*["']?([^"'\n#,]+?)["']?\s*,?\s*(?:#.*)?$/m.exec(text);
  return m ? { stateDir: m[1]!.trim() } : null;
}

/** Flag, env, the config file's stateDir, then ~/.clawback — without failing on an invalid config. */
export function clientStateDir(opts: GlobalOpts): string {
  if (opts.stateDir) return path.resolve(opts.stateDir);
  if (process.env.CLAWBACK_STATE_DIR) return path.resolve(process.env.CLAWBACK_STATE_DIR);
  const file = findConfigFile(opts.config ? { file: opts.config } : {});
  if (file) {
    try {
      const raw = stateDirLine(readFileSync(file, 'utf8'));
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
  const call = (method: string, p: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      // node:http rather than fetch: the CLI stays light (undici alone costs tens of MB and ~100 ms).
      const req = http.request(base + p, { method, headers, timeout: 15_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out after 15 s')));
      req.on('error', (err) => reject(new DaemonUnreachable(`the daemon (pid ${info.pid}) does not answer at ${base}: ${err.message}`)));
      req.end();
    });
  return {
    info,
    stateDir,
    async get<T>(p: string): Promise<T> {
      const res = await call('GET', p);
      if (res.status < 200 || res.status >= 300) throw new Error(`GET ${p}: HTTP ${res.status} ${res.text}`);
      return JSON.parse(res.text) as T;
    },
    async post<T>(p: string): Promise<{ status: number; body: T }> {
      const res = await call('POST', p);
      return { status: res.status, body: JSON.parse(res.text) as T };
    },
  };
}
