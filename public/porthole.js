/*! Porthole loader. One script tag on the host page:
 *  <script src="https://EDGE/porthole.js" data-site="SITE" async></script>
 * Draws the launcher in a shadow root with no wasm; the widget's wasm is fetched on the first
 * sign of intent (hover or focus on the launcher) and mounted on the first click or `open`.
 * The page drives it with `Porthole(command, …)`, queued until this script runs:
 *   window.Porthole = window.Porthole || function(){(Porthole.q = Porthole.q || []).push(arguments)};
 * Commands: boot, open, close, toggle, prefill {name,email,subject,message}, identify
 * {email,name,signature}, setLocale, on/off (ready, open, close, submitted, error), logout
 * (forgets the conversation and identity on this browser), destroy.
 * A visitor who has written keeps the conversation in localStorage (`porthole:chat:SITE`); on
 * the next page the launcher shows the count of replies since they last looked, still without
 * the wasm.
 * Types: porthole.d.ts.
 * The site's settings and the catalog of the visitor's language (GET /v1/sites/SITE/config,
 * about 1 KB gzip, cached) are fetched once the launcher is on the page: they colour, place and
 * label it. */
(() => {
  const w = window, d = document, script = d.currentScript;
  // A second copy of the tag, or a copy loaded twice, does nothing.
  if (w.__porthole || !script) return;
  w.__porthole = 1;

  const edge = new URL(script.src).origin;
  // `locale` changes with setLocale.
  let { site, position, locale = navigator.language } = script.dataset;
  // Only the launcher's styles: the panel's come with the widget (widget.css).
  const css =
    ':host{all:initial!important;position:fixed!important;inset:auto 20px 20px auto!important;z-index:2147483000!important}' +
    ':host([data-left]){inset:auto auto 20px 20px!important}' +
    '.launcher{all:initial;padding:15px;border-radius:50%;cursor:pointer;display:grid;' +
    'background:var(--ph-accent,#2f5bea);color:var(--ph-on_accent,#fff);' +
    'box-shadow:0 4px 14px #0004}.launcher:focus-visible{outline:3px solid #000;outline-offset:2px}';

  const handlers = {}, url = edge + '/widget/porthole-widget';
  let prefill = null, identity, host, root, launcher, panel, loading, app, config, wasm;

  // The settings; whoever sees them fail clears them, so that the next call asks again.
  const settings = () => config ||= fetch(`${edge}/v1/sites/${site}/config?locale=${locale}`)
    .then((r) => r.json()).then((c) => (style(c), c));

  // Side, colours through CSSOM (allowed under a strict style-src), label in the visitor's
  // language. The panel's labels and direction are the widget's.
  const side = (p) => host.toggleAttribute('data-left', (position || p) == 'left');
  const style = (c) => {
    if (!host) return;
    side(c.position);
    for (const k of ['accent', 'on_accent']) c[k] && host.style.setProperty('--ph-' + k, c[k]);
    launcher.ariaLabel = c.strings.launcher;
  };

  // Each handler in its own task: one that throws cannot stop the others, nor the widget.
  const emit = (name, detail) => handlers[name]?.forEach((f) => setTimeout(f, 0, detail));

  const boot = () => {
    if (host) return;
    const mine = host = d.createElement('porthole-widget');
    root = host.attachShadow({ mode: 'open' });
    // A constructed stylesheet, not a <style> element: a strict style-src CSP allows it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    side();
    // Markup only, no script and no style attribute: fine under a strict CSP.
    root.innerHTML =
      '<div class=panel role=dialog hidden></div><button class=launcher aria-label="Contact us" aria-expanded=false ' +
      'aria-haspopup=dialog><svg width=26 height=26 viewBox="0 0 24 24" fill=currentColor>' +
      '<path d="M3 4h18v13H9l-6 4z"/></svg></button>';
    [panel, launcher] = root.children;
    // Intent: start fetching (load is idempotent).
    launcher.onpointerenter = launcher.onfocus = load;
    launcher.onclick = toggle;
    const attach = () => {
      if (host != mine) return; // destroyed meanwhile
      d.body.append(host);
      emit('ready');
      settings().catch(() => config = 0);
    };
    d.body ? attach() : d.addEventListener('DOMContentLoaded', attach);
    // A returning visitor: a small module (never the wasm) shows the replies since they last
    // looked on the launcher, and makes `logout` forget what this browser keeps.
    try { localStorage['porthole:chat:' + site] && import(url + '-kept.js').then((m) => m.default(site, commands)) } catch {}
  };

  // The glue and its wasm are fetched side by side, not one after the other.
  const load = () => loading ||= (wasm = fetch(url + '_bg.wasm'),
    import(url + '.js').then((m) => m.default({ module_or_path: wasm }).then(() => m)));

  const open = () => {
    const mine = host;
    if (!mine) return;
    Promise.all([load(), settings()]).then(([m, c]) => {
      if (host != mine) return;
      if (!app) m.mount(root, panel, site, edge, c, prefill, emit, hide), app = m, identity && m.identify(identity);
      if (!panel.hidden) return;
      panel.hidden = false;
      // The widget puts the focus in the panel (the form's first field, or the reply box).
      launcher.ariaExpanded = true;
      emit('open');
    }, (e) => {
      // A later click tries again. (The browser's console already shows a refused or failed request.)
      loading = config = 0;
      emit('error', { message: '' + e });
    });
  };

  const hide = () => {
    if (!host || panel.hidden) return;
    // Focus inside the panel goes back to the launcher, as it would leave a closed dialog.
    const inside = panel.contains(root.activeElement);
    panel.hidden = true;
    launcher.ariaExpanded = false;
    if (inside) launcher.focus();
    emit('close');
  };

  const toggle = () => host && (panel.hidden ? open() : hide());

  const commands = {
    boot, open, toggle,
    close: hide,
    destroy: () => {
      app?.unmount();
      host?.remove();
      host = root = launcher = panel = app = config = identity = null;
    },
    logout: () => {
      identity = 0;
      app?.logout();
    },
    setLocale: (l) => {
      locale = l;
      config = 0;
      settings().then((c) => app?.configure(c), () => config = 0);
    },
    identify: (values) => {
      identity = values;
      app?.identify(values);
    },
    prefill: (values) => {
      prefill = values;
      app?.prefill(values);
    },
    on: (name, f) => {
      (handlers[name] ||= []).push(f);
      // Ready once the launcher is on the page.
      if (name == 'ready' && host?.isConnected) f();
    },
    off: (name, f) => handlers[name] = handlers[name]?.filter((g) => g != f),
  };

  const queued = w.Porthole?.q || [];
  w.Porthole = (name, ...args) => commands[name] ? commands[name](...args) : console.warn('Porthole?', name);
  boot();
  queued.forEach((args) => w.Porthole(...args));
})();
