// The conversation in the widget, on the built-in inbox: an agent answers through the operator
// API and the visitor sees it without a reload; the thread survives a reload, going offline and a
// second tab; the closed launcher counts unread replies (also on the next page, without the
// wasm); Arabic; the keyboard; axe; and logout forgetting everything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { EDGE, OPERATOR_TOKEN, startHost, launch } from './harness.mjs';

const require = createRequire(import.meta.url);
let host, browser;
before(async () => { host = await startHost(); browser = await launch(); });
after(async () => { await browser?.close(); await host?.close(); });

const shadow = (page) => page.locator('porthole-widget');

/** Opens the widget on the plain page and sends a first message; the kept conversation. */
async function start(page, message) {
  await page.goto(`${host.origin}/plain.html`);
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Message').fill(message);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  return page.evaluate(() => JSON.parse(localStorage['porthole:chat:demo']));
}

async function reply(id, body, author_name = 'Dana from Acme') {
  const res = await fetch(`${EDGE}/v1/inbox/conversations/${id}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ author_name, body }),
  });
  assert.equal(res.status, 201, await res.text());
}

/** The thread as the visitor reads it: who, and what. */
async function thread(page) {
  const entries = shadow(page).locator('.ph-thread li');
  const who = await entries.locator('.ph-who').allTextContents();
  const text = await entries.locator('.ph-text').allTextContents();
  return who.map((w, i) => [w, text[i]]);
}

const showsReply = (page, text) =>
  shadow(page).locator('.ph-thread li').filter({ hasText: text }).waitFor({ timeout: 10_000 });

test('an agent\'s reply shows in the open widget without a reload, the visitor answers, and a reload shows the whole thread', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const c = await start(page, 'Where is my parcel?');
  await reply(c.id, 'It left our depot this morning.');
  await showsReply(page, 'It left our depot this morning.');
  // The visitor's next message: Enter sends it, and it shows once.
  await page.getByLabel('Your reply').fill('Thank you!');
  await page.getByLabel('Your reply').press('Enter');
  await shadow(page).locator('.ph-thread li').filter({ hasText: 'Thank you!' }).waitFor();
  await page.waitForFunction(() => document.querySelector('porthole-widget').shadowRoot.querySelectorAll('.ph-pending li').length == 0);
  const expected = [
    ['You', 'Where is my parcel?'],
    ['Dana from Acme', 'It left our depot this morning.'],
    ['You', 'Thank you!'],
  ];
  assert.deepEqual(await thread(page), expected);
  assert.equal(await page.getByLabel('Your reply').inputValue(), '');
  // The time is written the visitor's way, and says when.
  const time = await shadow(page).locator('.ph-thread li time').first().getAttribute('datetime');
  assert.ok(Math.abs(Date.parse(time) - Date.now()) < 120_000, time);

  await page.reload();
  await page.getByRole('button', { name: 'Contact us' }).click();
  await shadow(page).locator('.ph-thread li').nth(2).waitFor();
  assert.deepEqual(await thread(page), expected);
  assert.equal(await page.getByText(c.reference).count(), 1, 'the reference is shown again');
  await context.close();
});

test('offline while two replies come, back online: both appear once, in order', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const c = await start(page, 'Offline test');
  await context.setOffline(true);
  await reply(c.id, 'first while offline');
  await reply(c.id, 'second while offline');
  await context.setOffline(false);
  await showsReply(page, 'second while offline');
  assert.deepEqual((await thread(page)).map(([, text]) => text), ['Offline test', 'first while offline', 'second while offline']);
  await context.close();
});

test('two tabs of one visitor show the same thread, each message once', async () => {
  const context = await browser.newContext();
  const one = await context.newPage();
  const c = await start(one, 'Two tabs');
  const two = await context.newPage();
  await two.goto(`${host.origin}/plain.html`);
  await two.getByRole('button', { name: 'Contact us' }).click();
  await shadow(two).locator('.ph-thread li').first().waitFor();
  await reply(c.id, 'to both tabs');
  await showsReply(one, 'to both tabs');
  await showsReply(two, 'to both tabs');
  await two.getByLabel('Your reply').fill('from the second tab');
  await two.getByRole('button', { name: 'Send', exact: true }).click();
  await showsReply(one, 'from the second tab');
  await two.waitForFunction(() => document.querySelector('porthole-widget').shadowRoot.querySelectorAll('.ph-pending li').length == 0);
  const expected = ['Two tabs', 'to both tabs', 'from the second tab'];
  assert.deepEqual((await thread(one)).map(([, t]) => t), expected);
  assert.deepEqual((await thread(two)).map(([, t]) => t), expected);
  await context.close();
});

test('the closed panel counts unread replies on the launcher, opening clears it, and the next page counts them without the wasm', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const c = await start(page, 'Unread test');
  await page.getByRole('button', { name: 'Close' }).click();
  await reply(c.id, 'one');
  await reply(c.id, 'two');
  const launcher = shadow(page).locator('.launcher');
  await page.waitForFunction(() => document.querySelector('porthole-widget').shadowRoot.querySelector('.launcher').dataset.unread == '2');
  assert.equal(await launcher.getAttribute('aria-label'), 'Contact us (2 new)');
  await launcher.click();
  await showsReply(page, 'two');
  assert.equal(await launcher.getAttribute('data-unread'), null);
  assert.equal(await launcher.getAttribute('aria-label'), 'Contact us');
  // The visitor saw both; a reply comes while they are on another page.
  await page.getByRole('button', { name: 'Close' }).click();
  const next = await context.newPage();
  await page.close();
  await reply(c.id, 'three');
  const wasm = [];
  next.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  await next.goto(`${host.origin}/plain.html`);
  await next.waitForFunction(() => document.querySelector('porthole-widget')?.shadowRoot.querySelector('.launcher').dataset.unread == '1');
  assert.deepEqual(wasm, [], 'no wasm before the visitor shows intent');
  await context.close();
});

test('in Arabic the conversation reads right to left, in Arabic', async () => {
  const context = await browser.newContext({ locale: 'ar' });
  const page = await context.newPage();
  await page.goto(`${host.origin}/plain.html`);
  await page.getByRole('button', { name: 'اتصل بنا' }).click();
  await page.getByLabel('الاسم').fill('Ada');
  await page.getByLabel('البريد الإلكتروني').fill('ada@example.org');
  await page.getByLabel('الرسالة').fill('مرحبا');
  await page.getByRole('button', { name: 'إرسال الرسالة' }).click();
  await shadow(page).locator('.ph-thread li').first().waitFor();
  const c = await page.evaluate(() => JSON.parse(localStorage['porthole:chat:demo']));
  await reply(c.id, 'أهلاً', 'Dana');
  await showsReply(page, 'أهلاً');
  assert.equal(await shadow(page).locator('.panel').getAttribute('dir'), 'rtl');
  assert.deepEqual((await thread(page))[0], ['أنت', 'مرحبا']);
  // Agents' messages on the start side, which is the right in Arabic.
  const [mine, theirs] = await shadow(page).locator('.ph-thread li').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left));
  assert.ok(theirs > mine, `agent at ${theirs}, visitor at ${mine}`);
  await context.close();
});

test('keyboard only: the launcher opens on the reply box, Enter sends', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await start(page, 'Keyboard test');
  await page.reload();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('porthole-widget').shadowRoot.activeElement?.id == 'ph-reply');
  await page.keyboard.type('typed without a mouse');
  await page.keyboard.press('Enter');
  await shadow(page).locator('.ph-thread li').filter({ hasText: 'typed without a mouse' }).waitFor();
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('porthole-widget').shadowRoot.querySelector('.panel').hidden);
  await context.close();
});

test('axe-core finds no accessibility violation in the conversation view', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const c = await start(page, 'Accessibility test');
  await reply(c.id, 'An answer to check');
  await showsReply(page, 'An answer to check');
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(() => axe.run(document.querySelector('porthole-widget'), { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, []);
  await context.close();
});

test('logout forgets the conversation and the identity on this browser, loaded or not', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await start(page, 'Logout test');
  await page.evaluate(() => Porthole('logout'));
  await page.getByLabel('Name').waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), '');
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  // Before the widget is loaded on the next page, too.
  await start(page, 'Logout before intent');
  await page.reload();
  // Once the loader's small module for returning visitors is in, logout forgets without the wasm.
  await page.waitForFunction(() => (Porthole('logout'), Object.keys(localStorage).length == 0));
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  assert.equal(await shadow(page).locator('.ph-thread li').count(), 0);
  await context.close();
});

test('where WebSockets cannot get through, the conversation keeps up by polling', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${host.origin}/no-sockets.html`);
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Message').fill('Behind a proxy');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const c = await page.evaluate(() => JSON.parse(localStorage['porthole:chat:demo']));
  await reply(c.id, 'answered all the same');
  // Three sockets that never open (8 s each at most), then a request every 5 s.
  await shadow(page).locator('.ph-thread li').filter({ hasText: 'answered all the same' }).waitFor({ timeout: 60_000 });
  assert.deepEqual((await thread(page)).map(([, t]) => t), ['Behind a proxy', 'answered all the same']);
  await context.close();
});

test('a file attached in the composer goes with the next message and the thread links it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await start(page, 'A file follows');
  const data = Buffer.from('the receipt, as text');
  // The panel's own button opens the picker (the native control is hidden).
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Attach files' }).click(),
  ]);
  await chooser.setFiles({ name: 'receipt.txt', mimeType: 'text/plain', buffer: data });
  await page.getByRole('button', { name: 'Remove receipt.txt' }).waitFor();
  await page.getByLabel('Your reply').fill('Here is the receipt.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const entry = shadow(page).locator('.ph-thread:not(.ph-pending) li').filter({ hasText: 'Here is the receipt.' });
  await entry.locator('a', { hasText: 'receipt.txt' }).waitFor();
  assert.equal(await shadow(page).locator('.ph-reply-files li').count(), 0, 'the composer is empty again');
  const href = await entry.locator('a').getAttribute('href');
  const fetched = await fetch(href);
  assert.equal(fetched.status, 200);
  assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), data);
  await context.close();
});
