// Makes a retried e2e test visible: every test that passed or failed only after vitest's retry is listed at the end.
import { writeFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class RetryReporter implements Reporter {
  private readonly retried: string[] = [];

  onTestCaseResult(test: TestCase): void {
    const d = test.diagnostic();
    if (!d || d.retryCount === 0) return;
    const state = test.result().state;
    this.retried.push(`${test.module.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}: ${state === 'passed' ? 'passed on retry' : 'FAILED after retry'} (${d.retryCount} retry, ${Math.round(d.duration / 1000)} s)`);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    const out = process.env.CLAWBACK_E2E_RETRY_FILE;
    if (this.retried.length === 0) {
      process.stdout.write('e2e: no test needed a retry\n');
    } else {
      for (const line of this.retried) process.stdout.write(`e2e: RETRIED ${line}\n`);
    }
    if (out) writeFileSync(out, this.retried.map((l) => `${l}\n`).join(''));
  }
}
