// Names the running test file in the environment every child inherits, so the leak check can say who left a process.
import path from 'node:path';
import { expect } from 'vitest';

const file = expect.getState().testPath;
if (file) process.env.CLAWBACK_TEST_FILE = path.relative(process.cwd(), file);
