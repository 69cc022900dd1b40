// Measures, in headless Chromium with a cold cache each time, the time from a click on the
// launcher to an interactive form (the click, seen by the page, to the widget's `open` event,
// which follows the focus moving into the form), and the host page's long tasks while the
// loader runs.
// Prints one JSON object. Used by `cargo xtask bench`.
// With CDN=1, the loader and the widget's files come from bench/cdn.mjs instead of the Worker.
import { gzipSync } from 'node:zlib';
import { startCdn } from './cdn.mjs';

if (process.env.CDN) process.env.PORTHOLE_EDGE = await startCdn(process.env.PORTHOLE_EDGE);
const { EDGE, startHost, launch } = await import('../harness.mjs');

const runs = Number(process.env.RUNS ?? 20);
const host = await startHost();
const browser = await launch();
const clickToInteractive = [];
const longTasks = [];
let firstOpenBytes = 0;
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
      document.addEventListener('click', () => performance.mark('porthole:open'), { capture: true, once: true });
      // The page's queue snippet, as a site owner would write it.
      window.Porthole = window.Porthole || function () { (Porthole.q = Porthole.q || []).push(arguments); };
      Porthole('on', 'open', () => performance.mark('porthole:interactive'));
    });
    let bytes = 0;
    const client = await context.newCDPSession(page);
    await client.send('Network.enable');
    client.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.goto(`${host.origin}/plain.html`);
    const launcher = page.getByRole('button', { name: 'Contact us' });
    await launcher.waitFor();
    await page.waitForTimeout(100);
    longTasks.push(...(await page.evaluate(() => window.__longTasks)));
    const before = bytes;
    await launcher.click();
    await page.getByLabel('Name').waitFor();
    await page.waitForFunction(() => performance.getEntriesByName('porthole:interactive').length > 0);
    const ms = await page.evaluate(() => performance.measure('open', 'porthole:open', 'porthole:interactive').duration);
    clickToInteractive.push(ms);
    if (i === 0) firstOpenBytes = bytes - before;
    await context.close();
  }
} finally {
  await browser.close();
  await host.close();
}
// What every page view costs besides the loader: the site's settings with the English catalog.
const config = Buffer.from(await (await fetch(`${EDGE}/v1/sites/demo/config?locale=en`, { headers: { origin: host.origin } })).arrayBuffer());
console.log(JSON.stringify({ clickToInteractive, longTasks, firstOpenBytes, configBytes: config.length, configGzipBytes: gzipSync(config, { level: 9 }).length }));
