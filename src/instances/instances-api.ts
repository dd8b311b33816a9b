// The daemon's routes for the service set: POST /api/reload, /api/services/:name/scale and /api/services/:name/reload.
import type { Daemon } from '../daemon/daemon.js';
import { parseRolloutTimeout } from './rollout-timeout.js';
import { reloadConfig } from './config-reload.js';
import { scaleService } from './scale.js';
import { rollingRestart } from './rolling-restart.js';

type Answer = { status: number; body: Record<string, unknown> };

function guarded(p: Promise<Answer>): Promise<Answer> {
  return p.catch((err: unknown) => ({ status: 503, body: { ok: false, message: (err as Error).message } }));
}

export async function instancesCommand(daemon: Daemon, p: string, q: URLSearchParams): Promise<Answer | undefined> {
  const by = (q.get('by') ?? 'api').slice(0, 100);
  if (p === '/api/reload') return guarded(reloadConfig(daemon, by));
  const m = /^\/api\/services\/([^/]+)\/(scale|reload)$/.exec(p);
  if (!m) return undefined;
  const name = decodeURIComponent(m[1]!);
  if (m[2] === 'scale') {
    const text = q.get('instances') ?? '';
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(n)) return { status: 400, body: { ok: false, message: `instances: expected a whole number, got ${JSON.stringify(text)}` } };
    return guarded(scaleService(daemon, name, n, by));
  }
  const t = q.get('timeout');
  const parsed = t ? parseRolloutTimeout('timeout', t) : undefined;
  if (parsed && 'error' in parsed) return { status: 400, body: { ok: false, message: parsed.error } };
  const timeoutMs = parsed && 'ms' in parsed ? parsed.ms : undefined;
  return guarded(rollingRestart(daemon, name, { by, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }));
}
