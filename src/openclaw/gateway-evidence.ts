// Reads the gateway's own evidence (its stability bundle, a diagnostics export) through its CLI: bounded, redacted, never throwing.
import path from 'node:path';
import type { Redactor } from '../observe/redact.js';
import type { GatewayCli } from './gateway-cli.js';
import { summarizeStability, type StabilitySummary } from './stability-summary.js';

export interface EvidenceResult {
  ok: boolean;
  summary: string;
  path?: string;
  generatedAt?: number;
}

/**
 * `gateway stability --bundle latest --json`. `notBefore`: a bundle written before this time belongs to an older
 * instance and is said to be so (it is still evidence, but not of this exit).
 */
export async function readStabilityBundle(cli: GatewayCli, redactor: Pick<Redactor, 'redact'>, opts: { timeoutMs: number; notBefore?: number; signal?: AbortSignal }): Promise<EvidenceResult> {
  const r = await cli.run(['gateway', 'stability', '--bundle', 'latest', '--json'], { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  const s: StabilitySummary | undefined = r.json !== undefined ? summarizeStability(r.json) : undefined;
  if (!s) {
    const why = r.ok ? 'the gateway left no stability bundle' : `no stability bundle could be read (${r.error})`;
    return { ok: false, summary: redactor.redact(why) };
  }
  const old = opts.notBefore !== undefined && s.generatedAt !== undefined && s.generatedAt < opts.notBefore - 1000;
  const text = old ? `${s.text} (older than this instance: not about this exit)` : s.text;
  return { ok: !old, summary: redactor.redact(text), ...(s.path ? { path: s.path } : {}), ...(s.generatedAt !== undefined ? { generatedAt: s.generatedAt } : {}) };
}

/** `gateway diagnostics export --output <dir>/openclaw-diagnostics-<id>.zip --json`: the zip's path for a person (Level 4). */
export async function exportDiagnostics(cli: GatewayCli, redactor: Pick<Redactor, 'redact'>, opts: { dir: string; incidentId: string; timeoutMs: number; signal?: AbortSignal }): Promise<EvidenceResult> {
  const out = path.join(opts.dir, `openclaw-diagnostics-${opts.incidentId}.zip`);
  const r = await cli.run(['gateway', 'diagnostics', 'export', '--output', out, '--json'], { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  const j = r.json as { path?: unknown; size?: unknown } | undefined;
  const written = typeof j?.path === 'string' ? j.path : r.ok ? out : undefined;
  if (!written) return { ok: false, summary: redactor.redact(`the diagnostics export failed: ${r.error}`) };
  const size = typeof j?.size === 'number' ? ` (${Math.round(j.size / 1024)} KiB)` : '';
  return { ok: true, summary: `diagnostics export written to ${written}${size}`, path: written };
}
