// A stand-in for a CDN's cache in front of the Worker, for the benchmark: the loader and the
// widget's files come from memory, gzipped once (as a cache hit serves them); everything else
// (the settings, the API) goes on to the Worker. It separates the widget's own share of the
// time to open from what `wrangler dev`'s local asset server adds on this machine.
import { createServer, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

const ASSETS = new URL('../../../target/assets/', import.meta.url);
const TYPES = { js: 'text/javascript', wasm: 'application/wasm' };

/** Listens on a free port of 127.0.0.1 in front of `edge`; resolves to its origin. */
export async function startCdn(edge) {
  const upstream = new URL(edge);
  const files = new Map();
  for (const path of ['porthole.js', 'widget/porthole-widget.js', 'widget/porthole-widget_bg.wasm']) {
    files.set(`/${path}`, gzipSync(await readFile(new URL(path, ASSETS)), { level: 9 }));
  }
  const server = createServer((req, res) => {
    const body = files.get(new URL(req.url, 'http://x').pathname);
    if (body) {
      res.writeHead(200, {
        'content-type': TYPES[req.url.split('.').pop()],
        'content-encoding': 'gzip',
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
      }).end(body);
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    const onward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    onward.on('error', () => res.writeHead(502).end());
    req.pipe(onward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${server.address().port}`;
}
