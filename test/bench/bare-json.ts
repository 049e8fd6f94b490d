import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/** The consumer API's floor: a bare node:http server answering the same JSON from memory, nothing else. */
const body = readFileSync(process.env.BARE_JSON_FILE ?? '', 'utf8');
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', etag: '"1"' });
  res.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
