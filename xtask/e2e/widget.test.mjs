// The walking skeleton as a visitor and an operator live it, in real Chromium against the real
// Worker: a hostile host page embeds the script tag (twice), the visitor opens the launcher, fills
// the form, attaches a file, sends, and sees the reference; the operator then finds that
// conversation in the inbox with the same bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EDGE, OPERATOR_TOKEN, startHost, launch, inbox } from './harness.mjs';

let host, browser;
before(async () => { host = await startHost(); browser = await launch(); });
after(async () => { await browser?.close(); await host?.close(); });

async function openPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const wasmRequests = [];
  page.on('request', (r) => { if (r.url().includes('/widget/')) wasmRequests.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${host.origin}/hostile.html`);
  return { context, page, wasmRequests, errors };
}

test('a visitor on a hostile page sends a message with a file; the inbox has it byte for byte', async () => {
  const { context, page, wasmRequests, errors } = await openPage();
  const launcher = page.getByRole('button', { name: 'Contact us' });
  await launcher.waitFor();

  // Two script tags, one widget; host CSS neither hides nor restyles it.
  assert.equal(await page.locator('porthole-widget').count(), 1);
  const box = await launcher.boundingBox();
  assert.ok(box && box.width >= 50 && box.width <= 60, `launcher is 56px wide, got ${box?.width}`);
  // Nothing of the widget's wasm is fetched before intent.
  assert.deepEqual(wasmRequests, []);

  await launcher.click();
  const name = page.getByLabel('Name');
  await name.waitFor();
  assert.ok(wasmRequests.some((u) => u.endsWith('.wasm')), 'the wasm loads on the first click');
  // The host's `html { font-size: 40px }` and `input { font-size: 8px }` do not reach in.
  assert.equal(await name.evaluate((e) => getComputedStyle(e).fontSize), '16px');
  // Focus moves into the form for keyboard users.
  assert.equal(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.id), 'ph-name');

  // Empty submit: inline, specific errors, and no request.
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('This field is required.').first().waitFor();
  assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');

  const bytes = randomBytes(200_000);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const subject = `Order question ${Date.now()}`;
  await name.fill('Ada Lovelace');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Enter an email address like name@example.com.').waitFor();
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('Hello,\n<script>alert(1)</script> my order is late.');
  await page.getByLabel('Attach files').setInputFiles({ name: 'réçu.bin', mimeType: 'application/octet-stream', buffer: bytes });
  await page.getByText('réçu.bin').waitFor();
  await page.getByRole('button', { name: 'Send message' }).click();

  await page.getByText('Message sent').waitFor({ timeout: 15_000 });
  const reference = await page.locator('.ph-reference').textContent();
  // Focus follows to the confirmation, so a screen reader announces it.
  assert.equal(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.tagName), 'H3');
  assert.match(reference, /^PH-[0-9A-HJKMNP-TV-Z]{8}$/);

  const conversation = (await inbox()).find((c) => c.reference === reference);
  assert.ok(conversation, `conversation ${reference} is in the inbox`);
  assert.equal(conversation.subject, subject);
  assert.equal(conversation.email, 'ada@example.org');
  assert.equal(conversation.page_url, `${host.origin}/hostile.html`);
  const [message] = conversation.messages;
  assert.equal(message.body, 'Hello,\n<script>alert(1)</script> my order is late.');
  assert.equal(message.attachments.length, 1);
  const [file] = message.attachments;
  assert.equal(file.name, 'réçu.bin');
  assert.equal(file.size, bytes.length);
  assert.equal(file.sha256, sha);
  const download = await fetch(EDGE + file.download_path, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  assert.equal(download.status, 200);
  const downloaded = Buffer.from(await download.arrayBuffer());
  assert.equal(createHash('sha256').update(downloaded).digest('hex'), sha);

  assert.deepEqual(errors, []);
  await context.close();
});

test('Escape closes the panel and gives focus back to the launcher', async () => {
  const { context, page } = await openPage();
  const launcher = page.getByRole('button', { name: 'Contact us' });
  await launcher.click();
  await page.getByLabel('Name').waitFor();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('Escape');
  await page.getByLabel('Name').waitFor({ state: 'hidden' });
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.className), 'launcher');
  await context.close();
});

test('a file over the site\'s limit (from its settings) is refused before any upload, and the visitor sees why next to it', async () => {
  const { context, page } = await openPage();
  const uploads = [];
  page.on('request', (r) => { if (r.url().includes('/uploads')) uploads.push(r.url()); });
  await page.goto(`${host.origin}/hostile.html?site=tiny`);
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').fill('Grace');
  await page.getByLabel('Email').fill('grace@example.org');
  await page.getByLabel('Message').fill('See attached.');
  await page.getByLabel('Attach files').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: randomBytes(4096) });
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('This file is larger than allowed.').first().waitFor();
  await page.getByRole('alert').getByText('Please check the highlighted fields.').waitFor();
  assert.equal(await page.locator('.ph-reference').textContent(), '');
  assert.deepEqual(uploads, [], 'no byte of it was sent');
  await context.close();
});

test('under a strict Content-Security-Policy the widget works and causes no violation', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${host.origin}/csp.html`);
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Message').fill('Sent from a page with a strict CSP.');
  await page.getByLabel('Attach files').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor({ timeout: 15_000 });
  // The conversation comes over its WebSocket (connect-src allows the edge) ...
  await page.locator('porthole-widget .ph-thread li').first().waitFor();
  // ... the panel is styled (so its stylesheet was not blocked) ...
  assert.equal(await page.getByRole('button', { name: 'Send', exact: true }).evaluate((e) => getComputedStyle(e).borderRadius), '8px');
  // ... and nothing was refused.
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  await context.close();
});
