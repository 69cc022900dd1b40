// The page-side JavaScript API in real Chromium: calls queued before the loader runs, every
// command after it, events, a second boot, destroy, and the launcher's position attribute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHost, launch } from './harness.mjs';

let host, browser;
before(async () => { host = await startHost(); browser = await launch(); });
after(async () => { await browser?.close(); await host?.close(); });

async function page(path, init) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (init) await page.addInitScript(init);
  await page.goto(`${host.origin}/${path}`);
  return { context, page, wasm, errors };
}

const events = (page) => page.evaluate(() => window.events.map(([name]) => name));
const widgets = (page) => page.locator('porthole-widget').count();

test('calls queued before the loader, then every command and event after it', async () => {
  const { context, page: p, wasm, errors } = await page('api.html');
  const launcher = p.getByRole('button', { name: 'Contact us' });
  await launcher.waitFor();
  assert.deepEqual(await events(p), ['ready'], 'the queued handler heard ready');
  assert.deepEqual(wasm, [], 'nothing fetched before intent');
  // data-position="left"
  const box = await launcher.boundingBox();
  assert.ok(box.x < 100, `launcher on the left, x = ${box.x}`);

  await p.evaluate(() => Porthole('open'));
  const name = p.getByLabel('Name');
  await name.waitFor();
  assert.equal(await name.inputValue(), 'Queued Visitor', 'the queued prefill');
  assert.equal(await p.getByLabel('Email').inputValue(), 'queued@example.org');
  await p.evaluate(() => Porthole('prefill', { subject: 'Filled in later' }));
  assert.equal(await p.getByLabel('Subject').inputValue(), 'Filled in later');
  assert.deepEqual(await events(p), ['ready', 'open']);

  await p.evaluate(() => Porthole('close'));
  assert.equal(await name.isVisible(), false);
  await p.evaluate(() => Porthole('toggle'));
  await name.waitFor();
  assert.deepEqual(await events(p), ['ready', 'open', 'close', 'open']);

  await p.getByLabel('Message').fill('Sent through a page that uses the API.');
  await p.getByRole('button', { name: 'Send' }).click();
  await p.locator('.ph-sent h3').waitFor({ timeout: 15000 });
  const reference = await p.locator('.ph-reference').textContent();
  assert.match(reference, /^PH-/);
  await p.waitForFunction(() => window.events.some(([n]) => n === 'submitted'));
  const submitted = await p.evaluate(() => window.events.find(([n]) => n === 'submitted')[1]);
  assert.equal(submitted.reference, reference, 'the page learns the reference the visitor sees');

  // Booting again mounts nothing twice.
  await p.evaluate(() => { Porthole('boot'); Porthole('boot'); });
  assert.equal(await widgets(p), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('open queued before the loader runs opens the panel as soon as it can', async () => {
  const { context, page: p, errors } = await page('plain.html', () => {
    window.Porthole = function () { (Porthole.q = Porthole.q || []).push(arguments); };
    Porthole('open');
  });
  await p.getByLabel('Name').waitFor();
  assert.equal(await p.getByRole('button', { name: 'Contact us' }).getAttribute('aria-expanded'), 'true');
  assert.deepEqual(errors, []);
  await context.close();
});

test('destroy removes every node; boot brings the widget back', async () => {
  const { context, page: p, errors } = await page('api.html');
  await p.getByRole('button', { name: 'Contact us' }).waitFor();
  await p.evaluate(() => Porthole('open'));
  await p.getByLabel('Name').waitFor();

  await p.evaluate(() => Porthole('destroy'));
  assert.equal(await widgets(p), 0, 'no element of ours is left');
  await p.evaluate(() => { Porthole('open'); Porthole('close'); Porthole('toggle'); });
  await p.waitForTimeout(300);
  assert.equal(await widgets(p), 0, 'commands after destroy draw nothing');
  // Settings given meanwhile are kept for the next boot.
  await p.evaluate(() => Porthole('prefill', { name: 'Back Again' }));
  const unknown = await p.evaluate(() => { Porthole('no-such-command'); return 'fine'; });
  assert.equal(unknown, 'fine');

  await p.evaluate(() => Porthole('boot'));
  assert.equal(await widgets(p), 1);
  await p.getByRole('button', { name: 'Contact us' }).click();
  await p.getByLabel('Name').waitFor();
  assert.equal(await p.getByLabel('Name').inputValue(), 'Back Again', 'a new form, with the latest prefill');
  assert.deepEqual(errors, []);
  await context.close();
});
