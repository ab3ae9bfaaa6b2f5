// Starts djreview and its service worker. It replaces the inline loader Trunk would write into
// index.html, so the Content-Security-Policy needs no 'unsafe-inline', hash or nonce for scripts:
// Trunk.toml's pattern_script leaves the hashed file names in a JSON data block instead.

const app = JSON.parse(document.getElementById('djreview-app').textContent);
// Under `trunk serve` its live-reload script is on the page (look before Yew empties <body>).
const dev = document.querySelector('script[data-trunk-autoreload]') !== null;
// The build this page runs: its own scripts, styles and icon (all content-hashed), .js and .wasm.
const ownFiles = [...document.querySelectorAll('script[src], link[href]')].map((el) => el.src || el.href)
  .concat(app.js, app.wasm).map((file) => new URL(file, location.href))
  .filter((file) => file.origin === location.origin).map((file) => file.pathname);
for (const file of [app.js, app.wasm]) {
  if (new URL(file, location.href).origin !== location.origin) throw new Error(`djreview: refusing to load ${file}`);
}

const bindings = await import(app.js);
const wasm = await bindings.default({ module_or_path: app.wasm });
// What Trunk's own loader does, for anything that listens.
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));

startServiceWorker().catch((error) => console.warn('djreview: no offline support:', error));

async function startServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const container = navigator.serviceWorker;
  // Under `trunk serve` every rebuild must show at once: no service worker, and one left over from a
  // release build served on the same address is removed.
  if (dev) {
    for (const registration of await container.getRegistrations()) await registration.unregister();
    return;
  }
  container.addEventListener('controllerchange', async () => {
    // A new version took over (it activates at once, see sw.js). This page keeps running the build
    // it started with; offer a reload when a file it was built from is not in the served build.
    const served = await ask(container.controller, { type: 'djreview:version' });
    if (served && ownFiles.some((file) => !served.files.includes(file))) offerReload();
  });
  const registration = await container.register(new URL('sw.js', import.meta.url), { updateViaCache: 'none' });
  // Browsers look for a new sw.js on each navigation; a tab left open looks every hour too.
  setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
}

function ask(worker, message) {
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), 5000);
    channel.port1.onmessage = (event) => { clearTimeout(timer); resolve(event.data); };
    worker.postMessage(message, [channel.port2]);
  });
}

function offerReload() {
  if (document.querySelector('[data-testid=update-notice]')) return;
  // Outside Yew's tree, styled by the app's .notice class and the CSSOM (style attributes would need
  // a looser CSP).
  const notice = document.createElement('div');
  notice.className = 'notice';
  notice.setAttribute('role', 'status');
  notice.dataset.testid = 'update-notice';
  Object.assign(notice.style, {
    position: 'fixed', right: '16px', bottom: '16px', zIndex: '20', maxWidth: '420px',
    border: '1px solid var(--border)', borderRadius: '8px', boxShadow: '0 4px 16px rgb(0 0 0 / 0.15)',
  });
  const text = document.createElement('span');
  text.textContent = 'A new version of djreview is available.';
  const reload = document.createElement('button');
  reload.className = 'link';
  reload.dataset.testid = 'update-reload';
  reload.textContent = 'Reload';
  reload.addEventListener('click', () => location.reload());
  const dismiss = document.createElement('button');
  dismiss.className = 'link';
  dismiss.setAttribute('aria-label', 'Dismiss');
  dismiss.textContent = '×';
  dismiss.addEventListener('click', () => notice.remove());
  notice.append(text, reload, dismiss);
  document.body.append(notice);
}
