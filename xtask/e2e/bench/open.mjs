// Measures, in headless Chromium with a cold cache each time, the time from a click on the
// launcher to an interactive form (the loader's performance marks `porthole:open` and
// `porthole:interactive`), and the host page's long tasks while the loader runs.
// Prints one JSON object. Used by `cargo xtask bench`.
import { startHost, launch } from '../harness.mjs';

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
console.log(JSON.stringify({ clickToInteractive, longTasks, firstOpenBytes }));
