/*! Porthole loader. One script tag on the host page:
 *  <script src="https://EDGE/porthole.js" data-site="SITE" async></script>
 * Draws the launcher in a shadow root with no wasm; the widget's wasm is fetched on the first
 * sign of intent (hover or focus on the launcher) and mounted on the first click or `open`.
 * The page drives it with `Porthole(command, …)`, queued until this script runs:
 *   window.Porthole = window.Porthole || function(){(Porthole.q = Porthole.q || []).push(arguments)};
 * Commands: boot, open, close, toggle, prefill {name,email,subject,message}, on/off (ready, open,
 * close, submitted, error), destroy. Types: porthole.d.ts. */
(() => {
  const w = window, d = document, script = d.currentScript;
  // A second copy of the tag, or a copy loaded twice, does nothing.
  if (w.__porthole || !script) return;
  w.__porthole = 1;

  const site = script.dataset.site;
  const edge = new URL(script.src).origin;
  const widget = edge + '/widget/porthole-widget';
  // Only the launcher's styles: the panel's come with the widget (widget.css).
  const css =
    `:host{all:initial!important;position:fixed!important;${script.dataset.position == 'left' ? 'left:20px!important;--ph-l:0;--ph-r:auto' : 'right:20px!important'};` +
    'bottom:20px!important;z-index:2147483000!important}' +
    '.launcher{all:initial;box-sizing:border-box;width:56px;height:56px;border-radius:50%;cursor:pointer;' +
    'display:flex;align-items:center;justify-content:center;background:var(--ph-accent,#2f5bea);color:#fff;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.25)}.launcher:focus-visible{outline:3px solid #1b1f29;outline-offset:2px}' +
    '[hidden]{display:none}';

  const handlers = {};
  let prefill = null, ready, host, root, launcher, panel, content, loading, app;

  const emit = (name, detail) => (handlers[name] || []).forEach((f) => {
    try { f(detail); } catch (e) { console.error(e); }
  });

  const boot = () => {
    if (host) return;
    const mine = host = d.createElement('porthole-widget');
    root = host.attachShadow({ mode: 'open' });
    // A constructed stylesheet, not a <style> element: a strict style-src CSP allows it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    // Markup only, no script and no style attribute: fine under a strict CSP.
    root.innerHTML =
      '<div class=panel role=dialog aria-label="Contact us" hidden><button class=close type=button aria-label=Close>\u00d7</button>' +
      '<div class=content></div></div><button class=launcher type=button aria-label="Contact us" aria-expanded=false ' +
      'aria-haspopup=dialog><svg width=26 height=26 viewBox="0 0 24 24" aria-hidden=true fill=none stroke=currentColor ' +
      'stroke-width=2 stroke-linecap=round stroke-linejoin=round><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg></button>';
    let close;
    [close, launcher] = root.querySelectorAll('button');
    panel = root.firstChild;
    content = panel.lastChild;
    // Intent: start fetching (load is idempotent).
    launcher.onpointerenter = launcher.onfocus = load;
    launcher.onclick = toggle;
    close.onclick = hide;
    panel.onkeydown = (e) => e.key == 'Escape' && hide();
    const attach = () => {
      if (host != mine) return; // destroyed meanwhile
      d.body.append(host);
      ready = 1;
      emit('ready');
    };
    d.body ? attach() : d.addEventListener('DOMContentLoaded', attach);
  };

  const load = () => loading || (loading = import(widget + '.js').then((m) => m.default({ module_or_path: widget + '_bg.wasm' }).then(() => m)));

  const open = () => {
    const mine = host;
    if (!mine) return;
    performance.mark('porthole:open');
    load().then((m) => {
      if (host != mine) return;
      if (!app) m.mount(root, content, site, edge, prefill, emit), app = m;
      if (!panel.hidden) return;
      panel.hidden = false;
      launcher.ariaExpanded = true;
      content.querySelector('input,textarea')?.focus();
      performance.mark('porthole:interactive');
      emit('open');
    }, (e) => {
      loading = 0; // let a later click try again
      console.error('Porthole', e);
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
      host = root = launcher = panel = content = app = ready = null;
    },
    prefill: (values) => {
      prefill = values;
      app?.prefill(values);
    },
    on: (name, f) => {
      (handlers[name] ||= []).push(f);
      if (name == 'ready' && ready) f();
    },
    off: (name, f) => handlers[name] = (handlers[name] || []).filter((g) => g != f),
  };

  const queued = w.Porthole?.q || [];
  w.Porthole = (name, ...args) => commands[name] ? commands[name](...args) : console.warn('Porthole?', name);
  boot();
  queued.forEach((args) => w.Porthole(...args));
})();
