// Every clawback config shipped under examples/ (files, and the ones embedded in Kubernetes ConfigMaps) passes Clawback's own schema.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfigSource, validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { readYamlDocuments } from './kustomize-render.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(p);
    return [p];
  });
}

const files = walk(examples);
const configFiles = files.filter((f) => /^clawback(\.[a-z0-9-]+)?\.(ya?ml|json)$/.test(path.basename(f)));
const embedded = files
  .filter((f) => f.endsWith('.yaml') && f.includes(`${path.sep}kubernetes${path.sep}`))
  .flatMap((f) => readYamlDocuments(f))
  .filter((d) => d.object.kind === 'ConfigMap')
  .flatMap((d) => {
    const data = (d.object.data ?? {}) as Record<string, string>;
    return Object.entries(data)
      .filter(([key]) => /^clawback\.(ya?ml|json)$/.test(key))
      .map(([key, text]) => ({ where: `${path.relative(examples, d.file)} data.${key}`, text }));
  });

function problemsOf(text: string, where: string): string[] {
  try {
    validateConfig(parseConfigSource(text, where), where);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${where}: ${p.path}: ${p.message}`);
    throw err;
  }
}

describe('example clawback configs', () => {
  it('finds the deployment examples', () => {
    const names = configFiles.map((f) => path.relative(examples, f));
    expect(names).toEqual(expect.arrayContaining(['docker-compose/clawback.yaml', 'docker-compose/clawback.openclaw.yaml']));
    expect(embedded.map((e) => e.where)).toEqual(['kubernetes/configmap.yaml data.clawback.yaml']);
  });

  for (const f of configFiles) {
    it(`${path.relative(examples, f)} validates`, () => {
      expect(problemsOf(readFileSync(f, 'utf8'), f)).toEqual([]);
    });
  }

  for (const e of embedded) {
    it(`${e.where} validates`, () => {
      expect(problemsOf(e.text, e.where)).toEqual([]);
    });
  }

  it('the check is real: a typo in a probe is reported with its path', () => {
    const broken = YAML.parse(readFileSync(path.join(examples, 'docker-compose', 'clawback.yaml'), 'utf8')) as { services: Array<{ probes: Array<Record<string, unknown>> }> };
    broken.services[0]!.probes[0]!.intervall = '2s';
    expect(problemsOf(YAML.stringify(broken), 'broken.yaml').join('\n')).toMatch(/services\[0\]\.probes\[0\]/);
  });
});
