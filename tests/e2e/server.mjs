// A minimal static file server for dist/, so the tests need nothing beyond Node.
import { createServer } from 'node:http';
import { EventEmitter } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
};

/** Every request any server of this module answers: emits 'request' with { origin, path }. */
export const served = new EventEmitter();

/**
 * Serves `root` on a free port of 127.0.0.1. `headers` are added to every answer (e.g. a
 * Content-Security-Policy). `setRoot(dir)` swaps the folder while the origin stays, as a deploy does.
 */
export async function serve(root, { headers = {} } = {}) {
  let current = root;
  let origin;
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      served.emit('request', { origin, path: url.pathname });
      let path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
      let file = join(current, path);
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  origin = `http://127.0.0.1:${port}`;
  return { server, origin, setRoot: (dir) => { current = dir; } };
}
