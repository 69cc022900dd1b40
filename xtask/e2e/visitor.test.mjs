// What every visitor gets: dark mode with readable contrast, the phone layout, and a page left
// without cookies or stored data by a visitor who only looked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHost, launch } from './harness.mjs';

let host, browser;
before(async () => { host = await startHost(); browser = await launch(); });
after(async () => { await browser?.close(); await host?.close(); });

async function openWidget(options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(`${host.origin}/plain.html`);
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  return { context, page };
}

/** WCAG 2.1 contrast ratio of two computed `rgb(…)` colours. */
function contrast(a, b) {
  const luminance = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colour against the panel's background, for the parts a visitor reads. */
async function colours(page) {
  return page.evaluate(() => {
    const root = document.querySelector('porthole-widget').shadowRoot;
    const style = (sel) => getComputedStyle(root.querySelector(sel));
    const panel = style('.panel').backgroundColor;
    return {
      panel,
      pairs: {
        title: [style('.ph-title').color, panel],
        intro: [style('.ph-intro').color, panel],
        label: [style('.ph-field label').color, panel],
        input: [style('#ph-name').color, style('#ph-name').backgroundColor],
        send: [style('.ph-send').color, style('.ph-send').backgroundColor],
        close: [style('.close').color, panel],
      },
    };
  });
}

for (const scheme of ['light', 'dark']) {
  test(`${scheme} mode: the panel follows the system setting with 4.5:1 contrast everywhere`, async () => {
    const { context, page } = await openWidget({ colorScheme: scheme });
    const { panel, pairs } = await colours(page);
    const [r, g, b] = panel.match(/\d+/g).map(Number);
    const dark = (r + g + b) / 3 < 80;
    assert.equal(dark, scheme === 'dark', `panel background ${panel}`);
    for (const [what, [fg, bg]] of Object.entries(pairs)) {
      const ratio = contrast(fg, bg);
      assert.ok(ratio >= 4.5, `${what}: ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
    }
    await context.close();
  });
}

test('on a 375 px phone the panel fills the screen and inputs are 16 px (no iOS zoom)', async () => {
  const { context, page } = await openWidget({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
  const box = await page.evaluate(() => {
    const r = document.querySelector('porthole-widget').shadowRoot.querySelector('.panel').getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  });
  assert.deepEqual(box, { x: 0, y: 0, width: 375, height: 667 });
  for (const label of ['Name', 'Email', 'Subject', 'Message']) {
    const size = await page.getByLabel(label).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 16, `${label} is ${size}px`);
  }
  await context.close();
});

test('a visitor who only looks leaves no cookie and nothing stored', async () => {
  const { context, page } = await openWidget();
  await page.getByLabel('Name').focus();
  const stored = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: localStorage.length,
    session: sessionStorage.length,
    databases: (await indexedDB.databases()).length,
  }));
  assert.deepEqual(stored, { cookie: '', local: 0, session: 0, databases: 0 });
  assert.deepEqual(await context.cookies(), [], 'no cookie on any origin, the edge included');
  await context.close();
});
