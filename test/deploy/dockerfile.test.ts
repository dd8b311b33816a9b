// The root Dockerfile: parsed and checked by dockerfile-utils and by our policy rules (no Docker engine needed).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validate } from 'dockerfile-utils';
import { lintDockerfile } from './dockerfile-rules.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');

describe('Dockerfile', () => {
  it('has no syntax problems (dockerfile-utils)', () => {
    const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('follows the image policy', () => {
    expect(lintDockerfile(dockerfile)).toEqual([]);
  });

  it('builds on node:20-bookworm-slim, installs with npm ci, runs `clawback run` under tini', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "clawback", "run"\]$/m);
  });

  it('the build stage copies every local file that `npm run build` names', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const local of pkg.scripts.build!.match(/[\w./-]+\.(?:json|mjs|js|ts)\b/g) ?? []) {
      const top = local.split('/')[0]!;
      expect(copied.some((c) => c === local || c === top), `${local} (used by npm run build) is not copied`).toBe(true);
    }
  });

  it('.dockerignore keeps node_modules and dist out of the context but not what the image copies', () => {
    const ignored = readFileSync(`${root}.dockerignore`, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    for (const needed of ['src', 'scripts', 'examples', 'package.json', 'package-lock.json', 'tsconfig.json']) expect(ignored).not.toContain(needed);
  });
});

describe('lintDockerfile catches what it is for', () => {
  const bad = [
    'FROM node AS build',
    'RUN npm install',
    'FROM node:latest',
    'ADD https://example.com/x.tgz /x.tgz',
    'RUN apt-get update && apt-get install -y curl',
    'CMD node server.js',
    'ENTRYPOINT ["node", "server.js"]',
  ].join('\n');
  const rules = lintDockerfile(bad).map((v) => v.rule);

  it('flags unpinned bases, npm install, ADD of URLs, root, shell form and a missing HEALTHCHECK', () => {
    for (const rule of ['from-pinned', 'npm-ci', 'no-add-url', 'apt-slim', 'user-non-root', 'exec-form', 'healthcheck']) {
      expect(rules).toContain(rule);
    }
    expect(rules.filter((r) => r === 'from-pinned')).toHaveLength(2);
  });

  it('accepts a global CLI install, a digest, an ARG-resolved tag and a numeric non-root user', () => {
    const good = [
      'ARG NODE_MAJOR=24',
      'FROM node:${NODE_MAJOR}-bookworm-slim AS base',
      'FROM base',
      'RUN npm install --global openclaw@2026.9.6',
      'FROM alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000',
      'USER 1000:1000',
      'HEALTHCHECK --interval=30s CMD ["true"]',
      'ENTRYPOINT ["sh"]',
    ].join('\n');
    expect(lintDockerfile(good)).toEqual([]);
  });

  it('rejects USER root and an ARG without a default in FROM', () => {
    const rulesOf = (t: string): string[] => lintDockerfile(t).map((v) => v.rule);
    expect(rulesOf('ARG BASE\nFROM ${BASE}\nUSER 1000\nHEALTHCHECK CMD ["true"]\nCMD ["x"]')).toEqual(['from-pinned']);
    expect(rulesOf('FROM node:20\nUSER root\nHEALTHCHECK CMD ["true"]\nCMD ["x"]')).toContain('user-non-root');
  });
});
