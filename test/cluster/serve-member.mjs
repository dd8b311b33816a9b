// A tiny singleton service for the cluster tests: answers every request with its member name and fencing token.
import http from 'node:http';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT);
const member = process.env.MEMBER ?? '?';
const token = process.env.CLAWBACK_FENCING_TOKEN ?? '';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${member} ${token}\n`);
});
server.listen(port, host, () => process.stdout.write(`listening on ${host}:${port} as ${member} token ${token}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
