// `instances: N` made concrete: one supervised service `NAME:i` per instance, with `{instance}` and `{port}` substituted.
import { fillOpenclawRestartDefaults } from '../openclaw/preset-defaults.js';
import { API_DEFAULT_PORT, serviceSchema, type ClawbackConfig, type ServiceConfig } from './schema.js';
import { ConfigError, formatPath, problemsFromZod, type ConfigProblem } from './errors.js';
import { instanceName } from '../instances/instance-name.js';
import { isScaled } from '../instances/scaled.js';
import { portClashes, type PortedService } from '../instances/port-ranges.js';

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replaces `{instance}` and `{port}` in every string below `value`; `where` collects the paths that use `{port}`. */
function substitute(value: unknown, vars: { instance: number; port: number | undefined }, path: PropertyKey[], where: string[]): unknown {
  if (typeof value === 'string') {
    if (value.includes('{port}')) where.push(formatPath(path));
    let out = value.replaceAll('{instance}', String(vars.instance));
    if (vars.port !== undefined) out = out.replaceAll('{port}', String(vars.port));
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, vars, [...path, i], where));
  if (isObject(value)) {
    const out: Raw = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'name' || k === 'dependsOn' ? v : substitute(v, vars, [...path, k], where);
    return out;
  }
  return value;
}

/** The raw service of instance i: placeholders filled in, the instance's port, probe ports that named the base port moved along. */
function instanceRaw(s: Raw, i: number, path: PropertyKey[], where: string[]): Raw {
  const base = typeof s.port === 'number' ? s.port : undefined;
  const port = base !== undefined ? base + i : undefined;
  const out = substitute(s, { instance: i, port }, path, where) as Raw;
  if (port !== undefined) {
    out.port = port;
    if (Array.isArray(out.probes)) out.probes = out.probes.map((p) => (isObject(p) && p.port === base ? { ...p, port } : p));
  }
  return out;
}

/**
 * The view of the file that the schema checks: each scaled service as its instance 0 (placeholders filled in),
 * plus the problems the schema cannot see (`{port}` without a base port, ports past 65535).
 */
export function templateView(raw: unknown): { view: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  if (!isObject(raw) || !Array.isArray(raw.services)) return { view: raw, problems };
  const services = raw.services.map((s, i) => {
    if (!isObject(s) || !isScaled(s)) return s;
    const where: string[] = [];
    const view = instanceRaw(s, 0, ['services', i], where);
    if (where.length > 0 && typeof s.port !== 'number') {
      problems.push({ path: `services[${i}].port`, message: `expected a base port (a number): {port} is used in ${where.join(', ')}`, ...(s.port !== undefined ? { value: s.port } : {}) });
    }
    const most = Math.max(typeof s.instances === 'number' ? s.instances : 1, isObject(s.autoscale) && typeof s.autoscale.max === 'number' ? s.autoscale.max : 1);
    if (typeof s.port === 'number' && s.port + most - 1 > 65535) {
      problems.push({ path: `services[${i}].port`, message: `expected a base port that leaves room for ${most} instances (port + ${most - 1} <= 65535)`, value: s.port });
    }
    return view;
  });
  // The ports each service may take (a scaled one up to its largest count): an instance on another service's port races it.
  const ported: PortedService[] = raw.services.map((s) => {
    const o = isObject(s) ? s : {};
    const most = Math.max(typeof o.instances === 'number' ? o.instances : 1, isObject(o.autoscale) && typeof o.autoscale.max === 'number' ? o.autoscale.max : 1);
    return { name: String(o.name ?? '?'), port: typeof o.port === 'number' ? o.port : undefined, scaled: isScaled(o), count: isScaled(o) ? most : 1 };
  });
  // Clawback's own API port too (default 18790, right after OpenClaw's 18789): an instance there could never listen.
  const apiPort = isObject(raw.api) && raw.api.port !== undefined ? raw.api.port : API_DEFAULT_PORT;
  const api = ported.length;
  if (typeof apiPort === 'number' && apiPort > 0) ported.push({ name: "Clawback's API (api.port)", port: apiPort, scaled: false, count: 1 });
  for (const c of portClashes(ported)) {
    const at = c.later === api ? c.earlier : c.later;
    problems.push({ path: `services[${at}].port`, message: c.message, value: ported[at]!.port });
  }
  return { view: { ...raw, services }, problems };
}

/**
 * The services to supervise: each plain service as declared, each scaled one as `count(name)` instances
 * `NAME:0..`, dependsOn and groups naming a scaled service extended to all its instances.
 */
export function expandInstances(raw: unknown, declared: ClawbackConfig, file: string, count: (s: ServiceConfig) => number): ClawbackConfig {
  const rawServices = isObject(raw) && Array.isArray(raw.services) ? raw.services : [];
  const members = new Map<string, string[]>();
  const services: ServiceConfig[] = [];
  declared.services.forEach((s, j) => {
    if (!isScaled(s)) {
      services.push(s);
      return;
    }
    const n = count(s);
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = serviceSchema.safeParse(instanceRaw(rawServices[j] as Raw, i, ['services', j], []));
      if (!r.success) {
        throw new ConfigError(
          file,
          problemsFromZod(r.error, rawServices[j], serviceSchema).map((p) => ({ ...p, path: `services[${j}].${p.path}`, message: `${p.message} (instance ${i})` })),
        );
      }
      const inst: ServiceConfig = { ...r.data, name: instanceName(s.name, i), env: { CLAWBACK_INSTANCE: String(i), ...r.data.env } };
      fillOpenclawRestartDefaults(inst);
      names.push(inst.name);
      services.push(inst);
    }
    members.set(s.name, names);
  });
  const expand = (names: string[]): string[] => names.flatMap((n) => members.get(n) ?? [n]);
  for (const s of services) s.dependsOn = expand(s.dependsOn);
  const groups = declared.groups.map((g) => ({ ...g, services: expand(g.services) }));
  return { ...declared, services, groups };
}
