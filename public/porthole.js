/*! Porthole loader. One script tag on the host page:
 *  <script src="https://EDGE/porthole.js" data-site="SITE" async></script>
 * Draws the launcher in a shadow root with no wasm; the widget's wasm is fetched on the first
 * sign of intent (hover or focus on the launcher) and mounted on the first click. */
(function () {
  var w = window, d = document;
  var script = d.currentScript;
  // A second copy of the tag, or a copy loaded twice, does nothing.
  if (w.__porthole || !script) return;
  w.__porthole = 1;

  var site = script.getAttribute('data-site');
  var edge = new URL(script.src).origin;
  var widget = edge + '/widget/porthole-widget';
  var css =
    ':host{all:initial!important;position:fixed!important;right:20px!important;bottom:20px!important;' +
    'z-index:2147483000!important;display:block!important;font:15px/1.45 system-ui,sans-serif!important}' +
    '.launcher{all:initial;box-sizing:border-box;width:56px;height:56px;border-radius:50%;cursor:pointer;' +
    'display:flex;align-items:center;justify-content:center;background:var(--ph-accent,#2f5bea);color:#fff;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.25)}' +
    '.launcher:focus-visible,.close:focus-visible{outline:3px solid #1b1f29;outline-offset:2px}' +
    '.panel{position:absolute;right:0;bottom:72px;width:380px;max-width:calc(100vw - 40px);' +
    'max-height:calc(100vh - 112px);overflow:auto;background:#fff;color:#1b1f29;border-radius:14px;' +
    'box-shadow:0 12px 40px rgba(0,0,0,.28)}' +
    '.panel[hidden]{display:none}' +
    '.close{all:initial;position:absolute;top:10px;right:10px;width:36px;height:36px;border-radius:50%;' +
    'cursor:pointer;font:24px/36px system-ui,sans-serif;text-align:center;color:#1b1f29}' +
    '@media (max-width:479px){.panel{position:fixed;inset:0;width:auto;max-width:none;max-height:none;' +
    'height:100dvh;border-radius:0;padding:env(safe-area-inset-top) env(safe-area-inset-right) ' +
    'env(safe-area-inset-bottom) env(safe-area-inset-left)}}';

  var host = d.createElement('porthole-widget');
  var root = host.attachShadow({ mode: 'open' });
  // A constructed stylesheet, not a <style> element: a strict style-src CSP allows it.
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];

  var launcher = el('button', 'launcher', { type: 'button', 'aria-label': 'Contact us', 'aria-expanded': 'false', 'aria-haspopup': 'dialog' });
  launcher.innerHTML =
    '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" ' +
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
  var panel = el('div', 'panel', { role: 'dialog', 'aria-label': 'Contact us', hidden: '' });
  var close = el('button', 'close', { type: 'button', 'aria-label': 'Close' });
  close.textContent = '\u00d7';
  var content = el('div', 'content', {});
  panel.append(close, content);
  root.append(panel, launcher);

  var loading, mounted;
  function load() {
    return loading || (loading = import(widget + '.js').then(function (m) {
      return m.default({ module_or_path: widget + '_bg.wasm' }).then(function () { return m; });
    }));
  }
  function open() {
    performance.mark('porthole:open');
    load().then(function (m) {
      if (!mounted) {
        m.mount(root, content, site, edge);
        mounted = 1;
      }
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      var first = content.querySelector('input,textarea');
      if (first) first.focus();
      performance.mark('porthole:interactive');
    }, function (e) {
      loading = 0; // let a later click try again
      console.error('Porthole could not load', e);
    });
  }
  function hide() {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }
  launcher.addEventListener('pointerenter', load, { once: true });
  launcher.addEventListener('focus', load, { once: true });
  launcher.addEventListener('click', function () { panel.hidden ? open() : hide(); });
  close.addEventListener('click', hide);
  panel.addEventListener('keydown', function (e) { if (e.key === 'Escape') hide(); });

  function el(tag, cls, attrs) {
    var e = d.createElement(tag);
    e.className = cls;
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  (d.body ? Promise.resolve() : new Promise(function (r) { d.addEventListener('DOMContentLoaded', r); }))
    .then(function () { d.body.append(host); });
})();
