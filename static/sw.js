// djreview's service worker: the app keeps working with no network after its first load.
// Strategy (docs/security.md has the reasoning):
// - install: precache every file of this build into a cache named after the build version, each
//   checked against its SRI hash; then take over at once (skipWaiting).
// - activate: delete the caches of other versions, take control of open pages (clients.claim).
//   A page still running an older version is told, and offers to reload (static/boot.js).
// - fetch: pages (navigations) network-first, falling back to the cached index.html offline or
//   when the network stalls; content-hashed assets cache-first; other files of the build
//   network-first. Other origins and non-GET requests are left alone.

// Filled in by scripts/post-build.mjs after each build; keep it on one line.
const BUILD = { version: 'unbuilt', files: [] };

const PREFIX = 'djreview-';
const CACHE = PREFIX + BUILD.version;
const url = (path) => new URL(path, self.location).href;
const SHELL = url('index.html');
const HASHED = new Set(BUILD.files.filter((f) => f.hashed).map((f) => url(f.path)));
const KNOWN = new Set(BUILD.files.map((f) => url(f.path)));
// After this long without an answer, a page is served from the cache (the network may still win
// the next time).
const NETWORK_PATIENCE_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    try {
      await Promise.all(BUILD.files.map(async (file) => {
        // cache: 'reload' skips the HTTP cache, so the files are this deploy's.
        const response = await fetch(new Request(url(file.path), { cache: 'reload', integrity: file.integrity ?? '' }));
        if (!response.ok) throw new Error(`${file.path}: HTTP ${response.status}`);
        await cache.put(url(file.path), response);
      }));
    } catch (error) {
      // A half-filled cache must not be used: the previous version stays in charge, and the browser
      // tries again at its next update check.
      await caches.delete(CACHE);
      throw error;
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  // A page asks which build this worker serves, to tell whether it runs an older one.
  if (event.data?.type === 'djreview:version' && event.ports[0]) {
    event.ports[0].postMessage({ version: BUILD.version, files: [...KNOWN].map((u) => new URL(u).pathname) });
  }
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const target = new URL(request.url);
  if (target.origin !== self.location.origin) return;
  const key = target.origin + target.pathname;
  if (request.mode === 'navigate') event.respondWith(page(request));
  else if (HASHED.has(key)) event.respondWith(cacheFirst(request, key));
  else if (KNOWN.has(key)) event.respondWith(networkFirst(request, key));
});

async function cached(key) {
  return (await caches.open(CACHE)).match(key);
}

async function cacheFirst(request, key) {
  return (await cached(key)) ?? fetch(request);
}

async function networkFirst(request, key) {
  try {
    return await fetch(request);
  } catch (error) {
    const hit = await cached(key);
    if (hit) return hit;
    throw error;
  }
}

async function page(request) {
  const shell = cached(SHELL);
  const network = fetch(request).then((response) => {
    // A host that is down answers 5xx: the cached app is more useful than its error page.
    if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
    return response;
  });
  const fallback = async () => (await shell) ?? network;
  let timer;
  const patience = new Promise((resolve) => { timer = setTimeout(resolve, NETWORK_PATIENCE_MS); });
  try {
    const first = await Promise.race([network, patience.then(async () => (await shell) ? 'stalled' : network)]);
    return first === 'stalled' ? fallback() : first;
  } catch {
    return fallback();
  } finally {
    clearTimeout(timer);
    network.catch(() => {}); // an abandoned or failed request is not an error of the page
  }
}
