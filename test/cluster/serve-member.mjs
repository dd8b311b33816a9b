// A tiny singleton service for the cluster tests: answers every request with its member name and fencing token.
import http from 'node:http';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT);
const member = process.env.MEMBER ?? '?';
const token = process.env.CLAWBACK_FENCING_TOKEN ?? '';
// A member whose copy of the service is broken: it exits at once with this code (78: a config problem).
// FAIL_AFTER_MS: after serving that long (e.g. a config change it cannot live with).
if (process.env.FAIL_EXIT) setTimeout(() => process.exit(Number(process.env.FAIL_EXIT)), Number(process.env.FAIL_AFTER_MS ?? 0));
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${member} ${token}\n`);
});
server.listen(port, host, () => process.stdout.write(`listening on ${host}:${port} as ${member} token ${token}\n`));
// SLOW_STOP_MS: a service that takes that long to stop (a handover in progress meanwhile).
process.on('SIGTERM', () => setTimeout(() => server.close(() => process.exit(0)), Number(process.env.SLOW_STOP_MS ?? 0)));
