// A crash that says ERR_MODULE_NOT_FOUND is a broken install (a partial npm update): go back to an intact version.
import { promises as fs } from 'node:fs';
import { serviceLogFile } from '../daemon/spawn-spec.js';
import { lastLogLines } from '../observe/last-log-lines.js';
import { KEEP_REPLACED_TREES, VersionStore } from '../update/version-store.js';
import { installSpec } from '../update/update-plan.js';
import { versionsDirOf } from '../update/run-update.js';
import { runnerOf, serviceEnv } from './command-runner.js';
import { isAlive } from '../platform/proc.js';
import type { DoctorContext, Finding, RepairRule } from './types.js';

export const BROKEN_INSTALL = 'broken-install';

/** What a Node program prints when a file of its install is missing. */
export const MISSING_MODULE = /ERR_MODULE_NOT_FOUND|Cannot find module|Cannot find package/;

/** Lines of the service's output read for the crash's last words. */
const LAST_WORDS = 60;

const plain = { redact: (t: string) => t };

interface Judged {
  store: VersionStore;
  current: string;
  line: string;
  problems: string[];
}

async function judge(ctx: DoctorContext): Promise<Judged | undefined> {
  const u = ctx.service.update;
  if (!u) return undefined;
  // A running instance has nothing to say about a crash.
  if (ctx.currentPid !== undefined && isAlive(ctx.currentPid)) return undefined;
  const store = new VersionStore(versionsDirOf(ctx.service, ctx.stateDir), u.package);
  const current = await store.current();
  if (!current) return undefined;
  const log = serviceLogFile(ctx.service, ctx.stateDir);
  const words = await lastLogLines(log, LAST_WORDS, plain);
  const line = [...words].reverse().find((l) => MISSING_MODULE.test(l));
  if (!line) return undefined;
  // Words older than the last switch belong to the version before it: the switch already answered them.
  const active = await store.active();
  const logTime = (await fs.stat(log).catch(() => undefined))?.mtimeMs ?? 0;
  if (active && active.version === current && active.switchedAt > logTime) return undefined;
  return { store, current, line: line.slice(0, 300), problems: await store.integrity(current) };
}

export function brokenInstallRule(): RepairRule {
  return {
    id: BROKEN_INSTALL,

    async detect(ctx) {
      const j = await judge(ctx);
      if (!j) return [];
      const target = (await j.store.active())?.previous;
      const f: Finding = {
        id: `${BROKEN_INSTALL}:${j.current}`,
        rule: BROKEN_INSTALL,
        severity: 'critical',
        title: 'broken install',
        evidence: `the last crash of ${ctx.service.name} says "${j.line}"${j.problems.length ? `; ${j.store.versionDir(j.current)}: ${j.problems.slice(0, 3).join('; ')}` : ''}`,
        fix: target ? `switch back to the previous version ${target} (if intact), else reinstall ${j.current}` : `reinstall ${j.current} (no previous version recorded)`,
        fixable: true,
      };
      return [f];
    },

    async fix(ctx, finding) {
      const j = await judge(ctx);
      if (!j) return { finding, applied: false, verified: true, message: 'the crash is no longer the last word (already repaired)' };
      const u = ctx.service.update!;
      const prev = (await j.store.active())?.previous;
      if (prev && prev !== j.current && (await j.store.integrity(prev)).length === 0) {
        await j.store.switchTo(prev, `doctor: broken install of ${j.current}`, ctx.clock.now());
        return {
          finding,
          applied: true,
          verified: false,
          message: `switched ${j.store.currentLink} back to ${prev}; the broken ${j.current} is kept in ${j.store.versionDir(j.current)}`,
          details: { from: j.current, to: prev, action: 'rollback', problems: j.problems.slice(0, 20), lastWords: j.line },
        };
      }
      const started = ctx.clock.monotonic();
      const r = await j.store.install(j.current, installSpec(u, j.current), {
        runner: runnerOf(ctx),
        npm: u.npm,
        args: u.installArgs,
        env: { ...serviceEnv(ctx.service), ...(u.pathPrefix.length ? { PATH: [...u.pathPrefix, process.env.PATH ?? ''].join(':') } : {}) },
        timeoutMs: u.installTimeout,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      if (!r.ok) return { finding, applied: false, verified: false, message: `reinstalling ${j.current} failed: ${r.error}`, details: { action: 'reinstall', lastWords: j.line } };
      // The link keeps pointing at <dir>/<version>: the fresh tree is what it resolves to now. Recorded as a switch.
      await j.store.switchTo(j.current, `doctor: reinstalled ${j.current} (broken install)`, ctx.clock.now());
      return {
        finding,
        applied: true,
        verified: false,
        message: `reinstalled ${j.current} in ${Math.round(ctx.clock.monotonic() - started)} ms (the broken tree is kept beside it as .replaced-${j.current}-*, with at most ${KEEP_REPLACED_TREES} such trees kept${r.removedLeftovers.length ? `; removed ${r.removedLeftovers.join(', ')}` : ''})`,
        details: { action: 'reinstall', version: j.current, problems: j.problems.slice(0, 20), lastWords: j.line, removedLeftovers: r.removedLeftovers },
      };
    },

    async verify(ctx) {
      const u = ctx.service.update;
      if (!u) return false;
      const store = new VersionStore(versionsDirOf(ctx.service, ctx.stateDir), u.package);
      const current = await store.current();
      return current !== undefined && (await store.integrity(current)).length === 0 && (await judge(ctx)) === undefined;
    },
  };
}
