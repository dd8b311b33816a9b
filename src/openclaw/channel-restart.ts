// The smallest scope the gateway offers: stop and start one channel's failing account(s) through its RPC (`gateway call channels.stop/start`).
import type { ReadinessScope } from '../probes/readiness-scope.js';
import type { GatewayCli } from './gateway-cli.js';

export interface ChannelRestartResult {
  ok: boolean;
  accounts: string[];
  summary: string;
}

interface AccountSnapshot {
  accountId?: unknown;
  running?: unknown;
  connected?: unknown;
  lifecycle?: unknown;
  ingressUnavailable?: unknown;
  lastError?: unknown;
  enabled?: unknown;
}

/**
 * The accounts of a channel that look failing in `channels.status` (not running, disconnected, blocked, ingress
 * unavailable). A quiet account (running, connected, nothing received for hours) is not among them.
 */
export function failingAccounts(status: unknown, channel: string): { accounts: string[]; known: boolean } {
  const all = (status as { channelAccounts?: Record<string, unknown> } | undefined)?.channelAccounts?.[channel];
  if (!Array.isArray(all)) return { accounts: [], known: false };
  const failing = (all as AccountSnapshot[])
    .filter((a) => typeof a.accountId === 'string' && a.enabled !== false)
    .filter((a) => a.running !== true || a.connected === false || a.lifecycle === 'blocked' || a.lifecycle === 'stopped' || a.ingressUnavailable === true)
    .map((a) => a.accountId as string);
  return { accounts: failing, known: true };
}

function describeStart(json: unknown): string {
  const j = json as { started?: unknown; outcome?: { status?: unknown; reason?: unknown } } | undefined;
  if (!j || typeof j !== 'object') return 'no answer';
  const o = j.outcome;
  const out = o && typeof o === 'object' ? `${String(o.status ?? '?')}${o.reason ? ` (${String(o.reason)})` : ''}` : 'unknown outcome';
  return `started ${j.started === true ? 'yes' : 'no'}, ${out}`;
}

export interface ChannelRestartOptions {
  timeoutMs: number;
}

/** Restarts the failing accounts of `scope.channel` (the default account when the status does not say which). */
export async function restartChannel(cli: GatewayCli, scope: ReadinessScope, signal: AbortSignal, opts: ChannelRestartOptions): Promise<ChannelRestartResult> {
  const channel = scope.channel;
  const status = await cli.run(['gateway', 'call', 'channels.status', '--json'], { timeoutMs: opts.timeoutMs, signal });
  const found = status.ok ? failingAccounts(status.json, channel) : { accounts: [], known: false };
  // Unknown or none singled out: the gateway's own default account of that channel (accountId omitted).
  const targets: Array<string | undefined> = found.accounts.length > 0 ? found.accounts : [undefined];
  const parts: string[] = [];
  let ok = true;
  for (const accountId of targets) {
    if (signal.aborted) return { ok: false, accounts: found.accounts, summary: 'cancelled' };
    const params = JSON.stringify(accountId ? { channel, accountId } : { channel });
    const name = accountId ?? 'default';
    const stop = await cli.run(['gateway', 'call', 'channels.stop', '--params', params, '--json'], { timeoutMs: opts.timeoutMs, signal });
    if (!stop.ok) {
      ok = false;
      parts.push(`${name}: channels.stop failed: ${stop.error}`);
      continue;
    }
    const start = await cli.run(['gateway', 'call', 'channels.start', '--params', params, '--json'], { timeoutMs: opts.timeoutMs, signal });
    if (!start.ok) {
      ok = false;
      parts.push(`${name}: channels.start failed: ${start.error}`);
      continue;
    }
    const skipped = (start.json as { outcome?: { status?: unknown } } | undefined)?.outcome?.status === 'skipped';
    if (skipped) ok = false;
    parts.push(`${name}: stopped and started (${describeStart(start.json)})`);
  }
  const accounts = targets.map((a) => a ?? 'default');
  const how = found.known ? '' : ' (the channel status could not name the account; the default account was restarted)';
  return { ok, accounts, summary: `${parts.join('; ')}${how}` };
}
