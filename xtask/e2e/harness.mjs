// Shared pieces of the browser tests: a host-page server on its own origin, and Chromium.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

export const EDGE = process.env.PORTHOLE_EDGE ?? "http://127.0.0.1:18787";
export const HOST_PORT = Number(process.env.PORTHOLE_HOST_PORT ?? 18790);
export const OPERATOR_TOKEN = process.env.PORTHOLE_OPERATOR_TOKEN ?? 'test-operator-token-0123456789';

/** Serves the pages in this folder on 127.0.0.1:HOST_PORT, another origin than the edge's. */
export async function startHost() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const name = url.pathname.replace(/^\//, '') || 'hostile.html';
    if (!/^[a-z-]+\.html$/.test(name)) { res.writeHead(404).end(); return; }
    try {
      const page = (await readFile(new URL(name, import.meta.url), 'utf8'))
        .replaceAll('{{EDGE}}', EDGE)
        .replaceAll('{{EDGE_WS}}', EDGE.replace(/^http/, 'ws'))
        .replaceAll('{{SITE}}', url.searchParams.get('site') ?? 'demo');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(HOST_PORT, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${HOST_PORT}`, close: () => new Promise((r) => server.close(r)) };
}

/** Debian's Chromium, headless, with the flags this offline machine needs. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function inbox() {
  const res = await fetch(`${EDGE}/v1/inbox/conversations?site=demo&limit=200`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  if (res.status !== 200) throw new Error(`inbox answered ${res.status}`);
  return (await res.json()).conversations;
}
