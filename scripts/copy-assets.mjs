// Build step: tsc compiles only TypeScript; the dashboard's static files are copied beside the compiled server.
import { cpSync } from 'node:fs';

cpSync('src/server/dashboard', 'dist/server/dashboard', { recursive: true });
