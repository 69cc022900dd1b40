// Types for the page-side API of Porthole's loader (public/porthole.js). Paste before the tag:
//   window.Porthole = window.Porthole || function(){(Porthole.q = Porthole.q || []).push(arguments)};
// Calls made before the loader runs are queued and replayed in order.

export interface PortholePrefill {
  name?: string;
  email?: string;
  subject?: string;
  message?: string;
}

export interface PortholeIdentity {
  email: string;
  name?: string;
  signature: string;
}

export interface PortholeEvents {
  /** The launcher is on the page. Handlers added later are called at once. */
  ready: undefined;
  /** The panel opened (by the visitor or `open`). */
  open: undefined;
  /** The panel closed. */
  close: undefined;
  /** A message was accepted; `reference` is what the visitor sees and quotes. */
  submitted: { reference: string };
  /** Something went wrong; `message` is what the visitor was told (or why the widget could not load). */
  error: { message: string };
}

export interface Porthole {
  /** Draws the launcher again after `destroy`; does nothing while it is there. */
  (command: 'boot'): void;
  /** Opens the panel, loading the widget first if needed. */
  (command: 'open'): void;
  (command: 'close'): void;
  (command: 'toggle'): void;
  /** Fills in the form's fields (now, or when it opens). */
  (command: 'prefill', values: PortholePrefill): void;
  /** The visitor is signed in on your site: the form asks for neither email nor (if given) name,
   * and the conversation is marked verified. `signature` is the lowercase hex HMAC-SHA256 of the
   * email (trimmed, lowercased), made by your server with the site's identity key (README). */
  (command: 'identify', values: PortholeIdentity): void;
  /** Shows the widget in another language (a BCP 47 tag: `fr`, `pt-BR`, `ar`); what the visitor
   * typed stays. Catalogs: en, es, fr, de, pt-BR, ja, ar; others fall back to the same language
   * or English. The tag's `data-locale` sets the first one, else the browser's language. */
  (command: 'setLocale', locale: string): void;
  <E extends keyof PortholeEvents>(command: 'on', event: E, handler: (detail: PortholeEvents[E]) => void): void;
  <E extends keyof PortholeEvents>(command: 'off', event: E, handler: (detail: PortholeEvents[E]) => void): void;
  /** Removes the launcher, the panel and the form, with their listeners. */
  (command: 'destroy'): void;
  /** Calls queued before the loader ran. */
  q?: IArguments[];
}

declare global {
  interface Window {
    Porthole: Porthole;
  }
}
