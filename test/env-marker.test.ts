// Guards the leak check itself: test workers carry this run's id, so children are attributable.
import { expect, it } from 'vitest';

it('test workers carry the run marker', () => {
  expect(process.env.CLAWBACK_TEST_RUN).toMatch(/^\d+-\d+$/);
});
