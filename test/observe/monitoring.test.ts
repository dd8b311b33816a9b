import { renderGuardianPassGauges } from '../../src/daemon/guardian-pass.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/observe/metrics.js';
import { AGENT_OUTCOMES } from '../../src/observe/events.js';
import { renderDegradedGauge, renderReloadGauge } from '../../src/daemon/daemon-faults.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULES = path.join(ROOT, 'examples/monitoring/alert-rules.yaml');
const DASHBOARD = path.join(ROOT, 'examples/monitoring/grafana-dashboard.json');

const metrics = createMetrics({ version: 'test' });
afterAll(() => metrics.stop());

/** Every family /metrics declares (its `# TYPE` lines), with its type. */
async function registryTypes(): Promise<Map<string, string>> {
  // /metrics also carries the daemon's own health families, rendered beside the registry.
  const text = (await metrics.render()) + renderDegradedGauge({ health: 'ok', degraded: [] }) + renderReloadGauge(undefined) + renderGuardianPassGauges({ installed: false, intervalSec: 60, last: null, overdue: false });
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** clawback_* names in a PromQL expression, histogram series suffixes folded to their family. */
function usedMetrics(expr: string, types: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\bclawback_[a-zA-Z0-9_]+/g)) {
    let name = m[0];
    const base = name.replace(/_(bucket|sum|count)$/, '');
    if (base !== name && types.get(base) === 'histogram') name = base;
    names.add(name);
  }
  return [...names];
}

// Prometheus' duration syntax (model.ParseDuration).
const DURATION = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

function balanced(text: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (quoted) continue;
    if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0 && !quoted;
}

interface Rule {
  alert?: string;
  record?: string;
  expr: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

describe('examples/monitoring/alert-rules.yaml', () => {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };

  it('has the structure promtool check rules expects', () => {
    expect(Object.keys(doc)).toEqual(['groups']);
    expect(Array.isArray(doc.groups)).toBe(true);
    const groupNames = doc.groups.map((g) => g.name);
    expect(new Set(groupNames).size).toBe(groupNames.length);
    for (const g of doc.groups) {
      expect(typeof g.name).toBe('string');
      expect(g.rules.length).toBeGreaterThan(0);
      const alerts = new Set<string>();
      for (const r of g.rules) {
        for (const k of Object.keys(r)) expect(RULE_KEYS.has(k), `unknown key ${k}`).toBe(true);
        expect(typeof r.alert).toBe('string');
        expect(r.alert).toMatch(NAME);
        expect(alerts.has(r.alert!)).toBe(false);
        alerts.add(r.alert!);
        expect(typeof r.expr).toBe('string');
        expect((r.expr as string).trim()).not.toBe('');
        expect(balanced(r.expr as string), `unbalanced expr in ${r.alert}`).toBe(true);
        expect(String(r.for)).toMatch(DURATION);
        for (const [k, v] of Object.entries(r.labels ?? {})) {
          expect(k).toMatch(NAME);
          expect(typeof v).toBe('string');
        }
        expect(['critical', 'warning']).toContain(r.labels?.severity);
        expect(typeof r.annotations?.summary).toBe('string');
        expect(typeof r.annotations?.description).toBe('string');
        for (const v of Object.values(r.annotations ?? {})) {
          const text = String(v);
          expect(text.split('{{').length).toBe(text.split('}}').length);
        }
      }
    }
  });

  it('covers the situations a human must hear about', () => {
    const rules = doc.groups.flatMap((g) => g.rules);
    const byName = new Map(rules.map((r) => [r.alert!, r]));
    expect(byName.get('ClawbackServiceDown')).toMatchObject({ expr: 'clawback_service_up == 0 unless on(job, instance, service) clawback_service_expected_up == 0', for: '1m' });
    expect(String(byName.get('ClawbackBreakerOpen')?.expr)).toContain('clawback_breaker_open');
    expect(String(byName.get('ClawbackIncidentEscalated')?.expr)).toContain('outcome="escalated"');
    expect(String(byName.get('ClawbackRestartStorm')?.expr)).toContain('clawback_restarts_total');
    expect(String(byName.get('ClawbackOutboxBackingUp')?.expr)).toContain('clawback_notify_outbox_depth');
    expect(String(byName.get('ClawbackDaemonDown')?.expr)).toContain('absent(clawback_build_info)');
    expect(String(byName.get('ClawbackServiceMemoryNearLimit')?.expr)).toContain('clawback_service_memory_limit_bytes');
    expect(String(byName.get('ClawbackDaemonDegraded')?.expr)).toContain('clawback_daemon_degraded');
    expect(String(byName.get('ClawbackNotificationsUndelivered')?.expr)).toContain('clawback_notify_dead_letters');
    expect(String(byName.get('ClawbackConfigReloadFailed')?.expr)).toContain('clawback_config_last_reload_successful');
    expect(String(byName.get('ClawbackProbeUnknown')?.expr)).toContain('clawback_probe_consecutive_unknowns');
  });

  it('has a promtool unit test in alert-rules.test.yaml where each rule fires (and one where it does not)', () => {
    const tests = parse(readFileSync(path.join(ROOT, 'examples/monitoring/alert-rules.test.yaml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of doc.groups.flatMap((g) => g.rules.map((r) => r.alert!))) {
      expect(cases.some((c) => c.alertname === name && (c.exp_alerts?.length ?? 0) > 0), `${name} never fires in a unit test`).toBe(true);
      expect(cases.some((c) => c.alertname === name && (c.exp_alerts?.length ?? 0) === 0), `${name} has no unit test where it stays silent`).toBe(true);
    }
  });

  it('uses only metrics that createMetrics() exports', async () => {
    const types = await registryTypes();
    const used = doc.groups.flatMap((g) => g.rules.flatMap((r) => usedMetrics(String(r.expr), types)));
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect(types.has(name), `${name} is not in the registry`).toBe(true);
  });
});

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Array<{ refId: string; expr: string }>;
}

describe('examples/monitoring/grafana-dashboard.json', () => {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    title: string;
    uid: string;
    schemaVersion: number;
    panels: Panel[];
    __inputs: Array<{ name: string; pluginId: string }>;
    templating: { list: Array<{ name: string; query: unknown }> };
  };

  it('is an importable dashboard', () => {
    expect(dash.title).toBe('Clawback');
    expect(dash.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(30);
    expect(dash.__inputs[0]).toMatchObject({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' });
    expect(dash.templating.list.map((v) => v.name)).toContain('service');
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.targets?.length).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of p.targets!) expect(balanced(t.expr), `unbalanced expr in ${p.title}`).toBe(true);
    }
  });

  it('queries only metrics that createMetrics() exports, and shows the essentials', async () => {
    const types = await registryTypes();
    const used = new Set(dash.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => usedMetrics(t.expr, types))));
    for (const name of used) expect(types.has(name), `${name} is not in the registry`).toBe(true);
    for (const essential of [
      'clawback_service_up',
      'clawback_restarts_total',
      'clawback_incidents_total',
      'clawback_incidents_open',
      'clawback_time_to_recover_seconds',
      'clawback_service_memory_rss_bytes',
      'clawback_probe_duration_seconds',
      'clawback_breaker_open',
      'clawback_notify_outbox_depth',
      'clawback_daemon_resident_memory_bytes',
      'clawback_daemon_event_loop_lag_seconds',
    ]) {
      expect(used.has(essential), `${essential} not on the dashboard`).toBe(true);
    }
    expect(dash.panels.some((p) => (p.targets ?? []).some((t) => t.expr.includes('histogram_quantile(0.95') && t.expr.includes('clawback_time_to_recover_seconds_bucket')))).toBe(true);
  });
});

describe('examples/monitoring/README.md metrics table', () => {
  const readme = readFileSync(path.join(ROOT, 'examples/monitoring/README.md'), 'utf8');
  const rows = new Map(
    [...readme.matchAll(/^\| `(clawback_[a-z_]+)` \| (gauge|counter|histogram) \| ?([a-z_, ]*?) ?\|/gm)].map((m) => [m[1]!, { type: m[2]!, labels: m[3]!.split(',').map((l) => l.trim()).filter(Boolean).sort() }]),
  );

  it('names every family /metrics renders, with its type and labels', async () => {
    const m = createMetrics({ version: 't' });
    try {
      m.observeProbe('s', 'p', 'http', { status: 'success', latencyMs: 3 });
      m.setServiceGauges('s', { up: true, breakerOpen: false, rssBytes: 1, memoryLimitBytes: 2 });
      m.onEvent({ type: 'service.restarting', service: 's', level: 0, time: 0, severity: 'warning', message: '', details: { reason: 'exit' } } as never);
      m.onEvent({ type: 'incident.resolved', service: 's', incidentId: 'i', time: 0, severity: 'info', message: '', details: { ttrMs: 5, outcome: 'auto-resolved' } } as never);
      m.onEvent({ type: 'incident.opened', service: 's', incidentId: 'j', level: 0, time: 0, severity: 'warning', message: '' } as never);
      m.onEvent({ type: 'agent.finished', service: 's', time: 0, severity: 'info', message: '', details: { adapter: 'a', outcome: 'ok' } } as never);
      m.notifierDelivery('c', true);
      m.setDeadLetters('c', 1);
      m.notifierOverflow('c', 'folded');
      const text = (await m.render()) + renderDegradedGauge({ health: 'ok', degraded: [] }) + renderReloadGauge(undefined);
      const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1]!, x[2]!]));
      expect(types.size).toBeGreaterThan(20);
      for (const [name, type] of types) {
        expect(rows.get(name)?.type, `${name} (${type}) is not in the table`).toBe(type);
        const sample = text.split('\n').find((l) => l.startsWith(type === 'histogram' ? `${name}_count` : name) && !l.startsWith('#'));
        const labels = [...(sample?.match(/\{(.*)\}/)?.[1] ?? '').matchAll(/([a-z_]+)="/g)].map((x) => x[1]!).sort();
        expect(labels, `labels of ${name}`).toEqual(rows.get(name)!.labels);
      }
    } finally {
      m.stop();
    }
  });

  it('names every outcome a Level 3 run is counted under (clawback_emergency_runs_total)', () => {
    const row = readme.split('\n').find((l) => l.startsWith('| `clawback_emergency_runs_total` |'))!;
    // Before: the row named no outcome at all; `out-of-turns`, `not-started`, `handed-over` were found only by reading code.
    for (const o of AGENT_OUTCOMES) expect(row, `outcome ${o}`).toContain(`\`${o}\``);
  });

  it('names only families the source exports', () => {
    const src: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (e.name.endsWith('.ts')) src.push(readFileSync(path.join(dir, e.name), 'utf8'));
      }
    };
    walk(path.join(ROOT, 'src'));
    const all = src.join('\n');
    expect(rows.size).toBeGreaterThan(30);
    for (const [name, row] of rows) {
      expect(all.includes(`'${name}'`) || all.includes(`# TYPE ${name} ${row.type}`), `${name} is not exported by src/`).toBe(true);
      expect(name.endsWith('_total'), `${name}: a counter ends in _total`).toBe(row.type === 'counter');
    }
  });
});
