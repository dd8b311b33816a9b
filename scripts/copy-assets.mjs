// Build step: tsc compiles only TypeScript; the dashboard's static files are copied beside the compiled server, and a
// stamp records when dist/ was last built (scripts/build-if-stale.mjs compares it with the sources).
import { cpSync, writeFileSync } from 'node:fs';

cpSync('src/server/dashboard', 'dist/server/dashboard', { recursive: true });
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
