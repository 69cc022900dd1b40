// What a visitor who has written keeps on this browser, for the page of their next visit: the
// loader (porthole.js) imports this small module, never the widget's wasm, only when the
// conversation is remembered (`porthole:chat:SITE` in localStorage). It shows on the launcher
// how many replies came since the visitor last looked, and makes `Porthole('logout')` forget
// what this browser keeps even before the widget is loaded. Built to widget/porthole-widget-kept.js.
const edge = new URL(import.meta.url).origin;
const badge =
  '.launcher{position:relative}.launcher[data-unread]::after{content:attr(data-unread);position:absolute;' +
  'inset-block-start:-4px;inset-inline-end:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;' +
  'border-radius:10px;background:#b3261e;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}';

export default (site, commands) => {
  const keys = ['porthole:chat:' + site, 'porthole:draft:' + site];
  const logout = commands.logout;
  commands.logout = () => {
    logout();
    try { keys.forEach((k) => localStorage.removeItem(k)) } catch {}
  };
  let c;
  try { c = JSON.parse(localStorage[keys[0]]) } catch { return }
  // v1.{id}.{expires}.{tag}: an expired token opens nothing.
  if (!(c?.token?.split('.')[2] * 1000 > Date.now())) return;
  fetch(`${edge}/v1/conversations/${encodeURIComponent(c.id)}/messages?after=${c.seen | 0}`, {
    headers: { Authorization: 'Bearer ' + c.token },
  })
    .then((r) => (r.ok ? r.json() : { messages: [] }))
    .then((t) => {
      const n = t.messages.filter((m) => m.author == 'agent').length;
      const root = document.querySelector('porthole-widget')?.shadowRoot;
      const launcher = root?.querySelector('.launcher');
      // Once the widget is loaded it keeps the count itself.
      if (!n || !launcher || launcher.dataset.unread != null) return;
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(badge);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      launcher.dataset.unread = n;
    }, () => {});
};
