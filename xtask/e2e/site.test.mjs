// What the site's configuration and the visitor's language change, as a visitor sees it: the
// site's colour, side, copy and own fields; the form in Arabic (right to left) and switched to
// French; a bot's hidden-field submission held for the operator; the dialog's keyboard focus;
// a message sent while offline; and an axe-core scan with no violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import { EDGE, OPERATOR_TOKEN, startHost, launch } from './harness.mjs';

const require = createRequire(import.meta.url);
let host, browser;
before(async () => { host = await startHost(); browser = await launch(); });
after(async () => { await browser?.close(); await host?.close(); });

async function openWidget(site, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${host.origin}/plain.html?site=${site}`);
  return { context, page, errors };
}

const inShadow = (page, fn, arg) => page.evaluate(([source, a]) => {
  const root = document.querySelector('porthole-widget').shadowRoot;
  return new Function('root', 'arg', source)(root, a);
}, [fn, arg]);

async function conversations(site) {
  const res = await fetch(`${EDGE}/v1/inbox/conversations?site=${site}&limit=200`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  assert.equal(res.status, 200);
  return (await res.json()).conversations;
}

test("the site's colour, side, copy and own fields, checked like the edge checks them", async () => {
  const { context, page, errors } = await openWidget('themed');
  const launcher = page.getByRole('button', { name: 'Contact us' });
  await launcher.waitFor();
  // The colour arrives with the settings, before any click.
  await page.waitForFunction(() => getComputedStyle(document.querySelector('porthole-widget').shadowRoot.querySelector('.launcher')).backgroundColor == 'rgb(11, 110, 79)');
  const box = await launcher.boundingBox();
  assert.ok(box.x < 100, `launcher on the left, at x=${box.x}`);
  assert.deepEqual([box.width, box.height], [56, 56], 'a 56 px round launcher');

  await launcher.click();
  await page.getByRole('heading', { name: 'Talk to Acme' }).waitFor();
  const [left, right] = await inShadow(page, 'const r = root.querySelector(".panel").getBoundingClientRect(); return [r.left, r.right]');
  assert.ok(left >= 0 && left < 100 && right - left > 300, `the panel opens on the launcher's side: ${left}–${right}`);
  const order = page.getByLabel('Order number');
  const topic = page.getByLabel('Topic (optional)');
  const terms = page.getByLabel('I agree to the privacy policy');
  assert.deepEqual(await topic.locator('option').allTextContents(), ['Choose…', 'Billing', 'Bug report']);

  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill('grace@example.org');
  await page.getByLabel('Message').fill('Where is my order?');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Please check the highlighted fields.').waitFor();
  assert.equal(await order.getAttribute('aria-invalid'), 'true');
  assert.equal(await terms.getAttribute('aria-invalid'), 'true');
  assert.equal(await topic.getAttribute('aria-invalid'), 'false');
  // The first field in error has the focus.
  assert.equal(await inShadow(page, 'return root.activeElement.id'), 'ph-f-order');

  const marker = `A-${Date.now()}`;
  await order.fill(marker);
  await topic.selectOption('Bug report');
  await terms.check();
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const stored = (await conversations('themed')).find((c) => c.fields.order == marker);
  assert.ok(stored, 'the conversation is in the inbox');
  assert.deepEqual(stored.fields, { order: marker, topic: 'Bug report', terms: 'yes' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the edge refuses what the site does not ask for, with a field error', async () => {
  const res = await fetch(`${EDGE}/v1/sites/themed/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: host.origin },
    body: JSON.stringify({ name: 'A', email: 'a@example.org', message: 'hi', fields: { order: '1', topic: 'Sales', extra: 'x' } }),
  });
  assert.equal(res.status, 422);
  const { error } = await res.json();
  assert.deepEqual(error.fields, { 'fields.extra': 'invalid_value', 'fields.terms': 'required', 'fields.topic': 'invalid_value' });
});

test('an Arabic visitor gets the form right to left; setLocale switches it without losing the text', async () => {
  const { context, page, errors } = await openWidget('themed', { locale: 'ar-EG' });
  const launcher = page.getByRole('button', { name: 'اتصل بنا' });
  await launcher.waitFor();
  await launcher.click();
  const name = page.getByLabel('الاسم');
  await name.waitFor();
  await name.fill('ليلى');
  assert.deepEqual(await inShadow(page, 'const p = root.querySelector(".panel"); return [p.dir, p.lang, getComputedStyle(p).direction]'), ['rtl', 'ar', 'rtl']);
  // The close button sits at the start of reading: the panel's left edge.
  const [panelBox, closeBox] = await inShadow(page, 'return [".panel", ".close"].map((s) => { const r = root.querySelector(s).getBoundingClientRect(); return [r.left, r.right]; })');
  assert.ok(closeBox[0] - panelBox[0] < 60, `close button on the left in RTL: ${closeBox} in ${panelBox}`);
  await mkdir(new URL('../../target/screenshots/', import.meta.url), { recursive: true });
  await page.screenshot({ path: new URL('../../target/screenshots/rtl-ar.png', import.meta.url).pathname });

  await page.evaluate(() => Porthole('setLocale', 'fr'));
  await page.getByLabel('Nom').waitFor();
  assert.equal(await page.getByLabel('Nom').inputValue(), 'ليلى');
  assert.equal(await inShadow(page, 'return root.querySelector(".panel").dir'), 'ltr');
  await page.getByRole('button', { name: 'Fermer' }).waitFor();
  // The site's own field has no French label: it reads in the site's default language.
  await page.getByLabel('Order number').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("a bot's submission through the hidden field is kept, held for the operator, and delivered on retry", async () => {
  const { context, page } = await openWidget('demo');
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  // People never see the field: it is off screen and out of the tab order.
  const hidden = await inShadow(page, 'const i = root.querySelector("#ph-website"); const r = i.getBoundingClientRect(); return [i.tabIndex, r.right < 0 || r.width <= 1]');
  assert.deepEqual(hidden, [-1, true]);
  const subject = `held ${Date.now()}`;
  await page.getByLabel('Name').fill('Spam Bot');
  await page.getByLabel('Email').fill('bot@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('Buy now');
  await inShadow(page, 'const i = root.querySelector("#ph-website"); i.value = "https://spam.example"; i.dispatchEvent(new Event("input"))');
  await page.getByRole('button', { name: 'Send message' }).click();
  // The bot is told nothing different.
  await page.getByText('Message sent').waitFor();
  await context.close();

  const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` };
  const conversation = (await conversations('demo')).find((c) => c.subject == subject);
  assert.ok(conversation, 'kept');
  const failed = await (await fetch(`${EDGE}/v1/admin/deliveries?status=failed&limit=500`, { headers: auth })).json();
  const held = failed.deliveries.find((d) => d.conversation_id == conversation.id);
  assert.ok(held, 'held among the failed deliveries');
  assert.match(held.last_error, /hidden anti-spam field/);
  assert.equal(held.attempts, 0, 'never sent anywhere');
  const retry = await fetch(`${EDGE}/v1/admin/deliveries/${held.id}/retry`, { method: 'POST', headers: auth });
  assert.equal(retry.status, 202);
  for (let i = 0; i < 100; i++) {
    const c = (await conversations('demo')).find((x) => x.id == conversation.id);
    if (c.status == 'delivered') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail('the released conversation was not delivered');
});

test('keyboard: Tab stays inside the open dialog, Escape closes it and focus returns to the launcher', async () => {
  const { context, page } = await openWidget('demo');
  const launcher = page.getByRole('button', { name: 'Contact us' });
  await launcher.focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Name').waitFor();
  await page.waitForFunction(() => document.querySelector('porthole-widget').shadowRoot.activeElement?.id == 'ph-name');
  // Typed, key by key (nothing in the dialog swallows keys).
  await page.keyboard.type('Ada Lovelace');
  assert.equal(await page.getByLabel('Name').inputValue(), 'Ada Lovelace');
  const focused = () => inShadow(page, 'const a = root.activeElement; return a.id || a.className');
  const seen = new Set();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    seen.add(await focused());
  }
  assert.ok(seen.has('close') && seen.has('ph-send') && seen.has('ph-name'), `Tab cycles the dialog: ${[...seen]}`);
  assert.ok(!seen.has('launcher') && !seen.has('ph-website'), `never leaves it, never the honeypot: ${[...seen]}`);
  await inShadow(page, 'root.querySelector(".close").focus()');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'ph-send');
  await page.keyboard.press('Escape');
  assert.equal(await inShadow(page, 'return root.querySelector(".panel").hidden'), true);
  assert.equal(await focused(), 'launcher');
  await context.close();
});

test('offline: the visitor is told, and the message goes once the connection is back', async () => {
  const { context, page } = await openWidget('demo');
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  const subject = `offline ${Date.now()}`;
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('Sent from a train');
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('You are offline. Your message will be sent as soon as the connection is back.').waitFor();
  await context.setOffline(false);
  await page.getByText('Message sent').waitFor();
  const sent = (await conversations('demo')).filter((c) => c.subject == subject);
  assert.equal(sent.length, 1, 'stored once');
  await context.close();
});

test('a 502 after the edge stored the message: the widget says it is trying again, and the resend is stored once', async () => {
  const { context, page } = await openWidget('demo');
  // A proxy in front of the edge whose answer is lost: the request reaches the real Worker, which
  // stores it, and the visitor gets a 502 instead. Only the first time.
  const keys = [];
  await page.route('**/v1/sites/demo/conversations', async (route) => {
    if (route.request().method() != 'POST') return route.continue();
    keys.push(route.request().headers()['idempotency-key']);
    const stored = await route.fetch();
    if (keys.length > 1) return route.fulfill({ response: stored });
    assert.equal(stored.status(), 202, 'the edge stored it');
    await route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' });
  });
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  const subject = `lost answer ${Date.now()}`;
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('Sent through a flaky proxy');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('We could not reach the server. Trying again…').waitFor();
  await page.getByText('Message sent').waitFor();
  assert.equal(keys.length, 2, 'sent twice');
  assert.ok(keys[0] && keys[0] == keys[1], 'with the same Idempotency-Key');
  const sent = (await conversations('demo')).filter((c) => c.subject == subject);
  assert.equal(sent.length, 1, 'stored once');
  await context.close();
});

test('axe-core finds no accessibility violation in the open form, with errors showing', async () => {
  const { context, page } = await openWidget('themed');
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Please check the highlighted fields.').waitFor();
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(() => axe.run(document.querySelector('porthole-widget'), { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, []);
  assert.ok(result.passes.length > 10, 'axe looked at the form');
  await context.close();
});

test('files dropped on the form and an image pasted into the message are attached and sent', async () => {
  const { context, page } = await openWidget('demo');
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  const subject = `dropped ${Date.now()}`;
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Subject (optional)').fill(subject);
  await page.getByLabel('Message').fill('See the log and the screenshot.');
  await inShadow(page, `
    const drop = new DataTransfer();
    drop.items.add(new File(['line 1\\nline 2\\n'], 'log.txt', { type: 'text/plain' }));
    root.querySelector('form').dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
    const clip = new DataTransfer();
    clip.items.add(new File([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], 'image.png', { type: 'image/png' }));
    root.querySelector('#ph-message').dispatchEvent(new ClipboardEvent('paste', { clipboardData: clip, bubbles: true, cancelable: true }));
  `);
  assert.deepEqual(await page.locator('.ph-file-name').allTextContents(), ['log.txt', 'image.png']);
  // Pasting a file does not also paste text into the message.
  assert.equal(await page.getByLabel('Message').inputValue(), 'See the log and the screenshot.');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const stored = (await conversations('demo')).find((c) => c.subject == subject);
  assert.deepEqual(stored.messages[0].attachments.map((a) => [a.name, a.size]), [['log.txt', 14], ['image.png', 8]]);
  await context.close();
});

test("identify: a signed-in visitor is not asked for name or email, and the conversation is marked verified; a forged signature is not", async () => {
  const { createHmac } = await import('node:crypto');
  const sign = (email) => createHmac('sha256', 'test-identity-key-for-the-themed-site').update(email).digest('hex');
  const { context, page } = await openWidget('themed');
  const subject = `identified ${Date.now()}`;
  // Before the loader has run, as a site's own page would do it.
  await page.evaluate((signature) => Porthole('identify', { email: 'grace@example.org', name: 'Grace Hopper', signature }), sign('grace@example.org'));
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByText('Signed in as grace@example.org').waitFor();
  assert.equal(await page.getByLabel('Email').isVisible(), false);
  // The focus is on the first field asked for, inside the dialog (so Escape and Tab work at once).
  await page.waitForFunction(() => document.querySelector('porthole-widget').shadowRoot.activeElement?.id == 'ph-subject');
  await page.getByLabel('Message').fill(subject);
  await page.getByLabel('Order number').fill('A-1');
  await page.getByLabel('I agree to the privacy policy').check();
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const stored = (await conversations('themed')).find((c) => c.messages[0].body == subject);
  assert.deepEqual([stored.name, stored.email, stored.verified], ['Grace Hopper', 'grace@example.org', true]);
  await page.getByRole('button', { name: 'Send another message' }).click();

  // A page that claims another address with that signature: refused, and the visitor may go on unverified.
  await page.evaluate((signature) => Porthole('identify', { email: 'eve@example.org', signature }), sign('grace@example.org'));
  // No name given this time: the form asks for it.
  await page.getByLabel('Name').fill('Eve');
  await page.getByLabel('Message').fill(`${subject} forged`);
  await page.getByLabel('Order number').fill('A-2');
  await page.getByLabel('I agree to the privacy policy').check();
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('We could not confirm your sign-in. Check your email address and send again.').waitFor();
  assert.equal(await page.getByLabel('Email').inputValue(), 'eve@example.org');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByText('Message sent').waitFor();
  const unverified = (await conversations('themed')).find((c) => c.messages[0].body == `${subject} forged`);
  assert.equal(unverified.verified, false);
  await context.close();
});

test('past the site\'s hourly limit the visitor is told at what time to try again, and the text stays', async () => {
  const { context, page } = await openWidget('limited');
  await page.getByRole('button', { name: 'Contact us' }).click();
  await page.getByLabel('Name').waitFor();
  const send = async (text) => {
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByLabel('Message').fill(text);
    await page.getByRole('button', { name: 'Send message' }).click();
  };
  await send('the first this hour');
  await page.getByText('Message sent').waitFor();
  await page.getByRole('button', { name: 'Send another message' }).click();
  await send('one too many');
  const alert = page.getByRole('alert');
  await alert.getByText(/^Too many messages were sent from here\. Please try again after \d{1,2}:\d\d( [AP]M)?\.$/).waitFor();
  assert.equal(await page.getByLabel('Message').inputValue(), 'one too many');
  const stored = (await conversations('limited')).map((c) => c.messages[0].body);
  assert.deepEqual(stored, ['the first this hour']);
  await context.close();
});
