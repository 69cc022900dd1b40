// Attachments as a visitor handles them: each file uploads as soon as it is picked, with its
// progress in percent (the connection throttled so that there is progress to see); one can be
// cancelled midway; the draft, text and uploaded files, survives a reload; a file over 100 MB
// goes in parts and survives a dropped connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EDGE, OPERATOR_TOKEN, startHost, launch } from './harness.mjs';

let host, browser;
before(async () => { host = await startHost(); browser = await launch(); });
after(async () => { await browser?.close(); await host?.close(); });

async function conversation(subject) {
  const res = await fetch(`${EDGE}/v1/inbox/conversations?site=demo&limit=200`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  return (await res.json()).conversations.find((c) => c.subject == subject);
}

async function open(page) {
  await page.goto(`${host.origin}/plain.html`);
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
}

/** Every status text of the file rows, sampled until `done()` says stop. */
async function watchStatuses(page, done) {
  const seen = [];
  for (let i = 0; i < 400 && !(await done()); i++) {
    seen.push(...await page.locator('.ph-file-status').allTextContents());
    await page.waitForTimeout(25);
  }
  return seen;
}

test('progress in percent while a file uploads; a second file cancelled midway is not sent', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await open(page);
  // About 1 MB/s up: a 1.5 MB file takes over a second.
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
  const subject = `progress ${Date.now()}`;
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('Two files, one kept.');
  await page.getByLabel('Attach files').setInputFiles({ name: 'kept.bin', mimeType: 'application/octet-stream', buffer: randomBytes(1_500_000) });
  const seen = await watchStatuses(page, async () => (await page.locator('.ph-file progress:not([hidden])').count()) == 0);
  const percents = seen.map((s) => Number(s.match(/^(\d+)% uploaded$/)?.[1])).filter((n) => !Number.isNaN(n));
  assert.ok(percents.some((p) => p > 0 && p < 100), `progress between 0 and 100: ${[...new Set(percents)]}`);
  assert.ok(percents.every((p, i) => i == 0 || p >= percents[i - 1]), 'never going back');
  assert.equal(await page.getByRole('button', { name: 'Remove kept.bin' }).isVisible(), true, 'stored: it can be removed');

  await page.getByLabel('Attach files').setInputFiles({ name: 'cancelled.bin', mimeType: 'application/octet-stream', buffer: randomBytes(3_000_000) });
  const cancel = page.getByRole('button', { name: 'Cancel cancelled.bin' });
  await cancel.waitFor();
  await page.waitForFunction(() => /^[1-9]\d?% uploaded$/.test(document.querySelector('porthole-widget').shadowRoot.querySelectorAll('.ph-file-status')[1]?.textContent));
  await cancel.click();
  assert.deepEqual(await page.locator('.ph-file-name').allTextContents(), ['kept.bin']);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const stored = await conversation(subject);
  assert.deepEqual(stored.messages[0].attachments.map((a) => [a.name, a.size]), [['kept.bin', 1_500_000]]);
  await context.close();
});

test('the draft, its text and its uploaded file, survives a reload and goes once sent', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await open(page);
  const subject = `draft ${Date.now()}`;
  await page.getByLabel('Name').fill('Grace');
  await page.getByLabel('Email').fill('grace@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('Half written when the tab reloaded');
  await page.getByLabel('Attach files').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('kept across a reload') });
  await page.getByRole('button', { name: 'Remove notes.txt' }).waitFor();

  await page.reload();
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  assert.equal(await page.getByLabel('Message').inputValue(), 'Half written when the tab reloaded');
  assert.equal(await page.getByLabel('Subject (optional)').inputValue(), subject);
  assert.deepEqual(await page.locator('.ph-file-name').allTextContents(), ['notes.txt']);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const stored = await conversation(subject);
  assert.equal(stored.messages[0].body, 'Half written when the tab reloaded');
  assert.deepEqual(stored.messages[0].attachments.map((a) => a.name), ['notes.txt']);
  // The draft goes once sent; the conversation it started is kept, to show it again.
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), ['porthole:chat:demo'], 'only the conversation kept once sent');
  await context.close();
});

test('a file over 100 MB goes in parts and, after the connection drops, resumes with the parts that had not arrived', async () => {
  // Over what one request to a Worker may carry. Written to disk: the browser reads it from there.
  const data = randomBytes(105_000_000);
  const path = join(tmpdir(), `porthole-large-${process.pid}.bin`);
  writeFileSync(path, data);
  const context = await browser.newContext();
  const page = await context.newPage();
  const puts = [];
  const asked = [];
  page.on('requestfinished', async (r) => {
    const part = r.url().match(/\/multipart\/[^/]+\/parts\/(\d+)$/)?.[1];
    if (part && (await r.response())?.status() == 200) puts.push(Number(part));
    if (r.method() == 'GET' && /\/multipart\/[^/]+$/.test(r.url())) asked.push(r.url());
  });
  await open(page);
  const subject = `in parts ${Date.now()}`;
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('The recording, 105 MB.');
  await page.getByLabel('Attach files').setInputFiles(path);

  // The connection drops once three parts have arrived, and comes back two seconds later.
  while (puts.length < 3) await page.waitForTimeout(20);
  await context.setOffline(true);
  const before = puts.length;
  // The visitor sees the upload paused, not stuck.
  const paused = page.locator('.ph-file-status', { hasText: /^Paused at \d+%: it resumes once the server can be reached$/ });
  await paused.waitFor({ timeout: 10_000 });
  await page.waitForTimeout(1000);
  await context.setOffline(false);
  await page.getByRole('button', { name: `Remove ${path.split('/').pop()}` }).waitFor({ timeout: 120_000 });

  assert.equal(await paused.count(), 0, 'no longer paused');
  assert.equal(asked.length, 1, 'after the drop the widget asked the edge which parts had arrived');
  assert.deepEqual([...new Set(puts)].sort((a, b) => a - b), Array.from({ length: 13 }, (_, i) => i + 1), 'every part arrived');
  assert.equal(puts.length, 13, `no part that had arrived was sent again (${before} before the drop): ${puts}`);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const [attachment] = (await conversation(subject)).messages[0].attachments;
  assert.equal(attachment.size, data.length);
  const got = Buffer.from(await (await fetch(`${EDGE}${attachment.download_path}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).arrayBuffer());
  assert.ok(got.equals(data), 'the file the helpdesk gets is the file the visitor picked');
  unlinkSync(path);
  await context.close();
});
