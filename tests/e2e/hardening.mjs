// Hardening: the Content-Security-Policy holds through a session and is enforced, the service worker
// keeps the app working offline and hands over cleanly to a new deploy, and hostile names, code and
// notices stay text. Loaded by run.mjs, which supplies the harness (a fresh context per test that
// fails on console errors, page errors and requests to other origins).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, served } from './server.mjs';

/** Records CSP violations on every document of the page in window.__csp (call before loading). */
async function watchCsp(page) {
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} ${e.sample}`.trim());
    });
  });
}

const violations = (page) => page.evaluate(() => window.__csp);

/** The CSP of the page's meta tag, as a map of directive to sources. */
async function metaPolicy(page) {
  const content = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  return parsePolicy(content);
}

function parsePolicy(text) {
  return new Map(text.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]));
}

/** Waits until a service worker controls the page and has finished installing. */
async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 30000 });
}

/** The build version the controlling service worker serves. */
function workerVersion(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(e.data.version);
    navigator.serviceWorker.controller.postMessage({ type: 'djreview:version' }, [channel.port2]);
  }));
}

const cacheNames = (page) => page.evaluate(() => caches.keys());

/** Polls `fn` until it returns something truthy (page.waitForFunction cannot await in the page). */
async function until(fn, what, timeout = 20000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const versionOf = async (root) => (await readFile(join(root, 'sw.js'), 'utf8')).match(/"version":"([0-9a-f]+)"/)[1];

/**
 * A context of our own on a server of our own (for tests that swap the served build), with the
 * checks the harness makes: console errors, page errors, requests to other origins, CSP violations.
 */
async function ownContext(browser, origin) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const problems = [];
  const watch = (page) => {
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith(origin + '/')) problems.push(`request to another origin: ${r.url()}`); });
  };
  context.on('page', watch);
  const page = await context.newPage();
  await watchCsp(page);
  return { context, page, problems };
}

export default async function ({ test, open, paste, rename, addFile, browser, origin, artifacts, fixture, here, dist }) {
  const root = join(here, '../..');
  // The header form hosts are told to send (docs/security.md), so the documentation stays true.
  const documentedHeader = (await readFile(join(root, 'docs/security.md'), 'utf8'))
    .match(/^Content-Security-Policy: (.+)$/m)?.[1];

  await test('the Content-Security-Policy is strict and nothing in a session violates it', async (page, context) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await watchCsp(page);
    await open(page);
    const policy = await metaPolicy(page);
    assert.deepEqual(policy.get('default-src'), ["'self'"]);
    assert.deepEqual(policy.get('script-src'), ["'self'", "'wasm-unsafe-eval'"], 'scripts: own files and WebAssembly only');
    for (const [name, sources] of [['object-src', ["'none'"]], ['base-uri', ["'none'"]], ['form-action', ["'none'"]],
      ['connect-src', ["'self'"]], ['worker-src', ["'self'"]], ['style-src', ["'self'"]], ['img-src', ["'self'", 'data:']]]) {
      assert.deepEqual(policy.get(name), sources, name);
    }
    // The only inline <script> is Trunk's file names as inert JSON; boot.js is an external module.
    const scripts = await page.evaluate(() => [...document.scripts].map((s) => (s.src ? 'external' : s.type)));
    assert.deepEqual(scripts.sort(), ['application/json', 'external']);

    // A session touching every view: sample findings and a fix, the playbook and a rule page, a plan,
    // a migration, the share dialog, Markdown and JSON exports, the print view, the dark theme.
    await page.locator('[data-testid=finding]').first().locator('button.head').click();
    await page.locator('[data-testid=fix]').waitFor();
    await page.locator('[data-testid=playbook-link]').click();
    await page.locator('[data-testid=playbook-section]').waitFor();
    await page.locator('[data-testid=rule-link]').first().click();
    await page.locator('[data-testid=rule-page]').waitFor();
    await page.locator('[data-testid=theme]').click();
    await addFile(page, 'plan.txt', await fixture('plan.txt'));
    await page.locator('[data-testid=plan-view]').waitFor();
    await page.locator('[data-testid=plan-node]').nth(2).click();
    await addFile(page, 'shop/migrations/0001_initial.py', await fixture('0001_initial.py'));
    await addFile(page, 'shop/migrations/0002_order_code.py', await fixture('0002_order_code.py'));
    await page.locator('[data-testid=migration-view]').waitFor();
    await page.locator('[data-testid=share]').click();
    await page.locator('[data-testid=share-dialog]').waitFor();
    await page.locator('[data-testid=copy-markdown]').click();
    await page.locator('[data-testid=export-done]').waitFor();
    const [json] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=download-json]').click()]);
    assert.equal(json.suggestedFilename(), 'djreview-report.json');
    await page.locator('[data-testid=share-close]').click();
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    await page.emulateMedia({ media: 'print' });
    await page.locator('[data-testid=print-report]').waitFor();
    await page.emulateMedia({ media: 'screen' });
    await controlled(page);
    await page.waitForTimeout(300);
    assert.deepEqual(await violations(page), []);

    // And the policy is enforced, not just written down: eval and injected inline script are refused.
    // (A context of its own: the refusals are logged as console errors, which the harness counts.)
    const probe = await browser.newContext();
    try {
      const p = await probe.newPage();
      await watchCsp(p);
      await p.goto(origin + '/');
      await p.locator('[data-testid=editor]').waitFor();
      // From a task of the page's own: code run directly by page.evaluate is exempt from the
      // eval check (DevTools' Runtime.evaluate allows it), code it schedules is not.
      const outcome = await p.evaluate(() => new Promise((resolve) => setTimeout(() => {
        const tried = {};
        try { eval('window.__evaluated = 1'); tried.eval = 'ran'; } catch (e) { tried.eval = e.name; }
        try { new Function('return 1')(); tried.function = 'ran'; } catch (e) { tried.function = e.name; }
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.head.append(s);
        const b = document.createElement('button');
        b.setAttribute('onclick', 'window.__handler = 1');
        document.body.append(b);
        b.click();
        resolve(tried);
      })));
      await p.waitForTimeout(200);
      assert.deepEqual(outcome, { eval: 'EvalError', function: 'EvalError' });
      assert.deepEqual(await p.evaluate(() => [window.__evaluated, window.__inline, window.__handler]), [undefined, undefined, undefined]);
      const seen = (await violations(p)).map((v) => v.split(' ')[0]).sort();
      assert.deepEqual(seen, ['script-src', 'script-src', 'script-src-attr', 'script-src-elem'], seen.join(', '));
    } finally {
      await probe.close();
    }
  });

  await test('after the first load the app works with no network', async (page, context) => {
    await watchCsp(page);
    const workerTrouble = [];
    page.on('console', (m) => { if (/worker/i.test(m.text())) workerTrouble.push(m.text()); });
    // Large inputs go to the analysis worker (when the build has one): its script, the app's JS and
    // wasm must come from the cache offline as well.
    const hasWorker = await readFile(join(dist, 'worker.js')).then(() => true, () => false);
    const padding = '# a large review: padding past the analysis worker threshold\n'.repeat(5000);
    const analyseLarge = async () => {
      await addFile(page, 'shop/big_views.py', padding + await fixture('views.py'));
      const big = page.locator('[data-testid=finding][data-code=QRY101][data-path="shop/big_views.py"]');
      await big.waitFor();
      assert.equal(await big.getAttribute('data-line'), '5010');
    };

    await open(page);
    await page.locator('[data-testid=finding]').first().waitFor();
    await controlled(page);
    const version = await workerVersion(page);
    assert.equal(version, await versionOf(dist));
    assert.deepEqual(await cacheNames(page), [`djreview-${version}`]);
    let workerOnline = false;
    if (hasWorker) {
      await addFile(page, 'shop/models.py', await fixture('models.py'));
      await analyseLarge();
      workerOnline = workerTrouble.length === 0;
      if (!workerOnline) console.log(`     note: the analysis worker fails even online (${workerTrouble[0]}); offline check skipped`);
    }
    await page.locator('[data-testid=new-review]').click();

    const reached = [];
    const count = (r) => { if (r.origin === origin) reached.push(r.path); };
    served.on('request', count);
    try {
      await context.setOffline(true);
      await page.reload();
      await page.locator('[data-testid=editor]').waitFor();
      // A new review, analysed with the network still off.
      await page.locator('[data-testid=new-review]').click();
      await paste(page, await fixture('models.py'));
      await rename(page, 'shop/models.py');
      await addFile(page, 'shop/views.py', await fixture('views.py'));
      const finding = page.locator('[data-testid=finding][data-code=QRY101]');
      await finding.waitFor();
      assert.equal(await finding.getAttribute('data-line'), '10');
      assert.match(await page.locator('[data-testid=score]').innerText(), /^\d+$/);
      if (workerOnline) {
        await analyseLarge();
        assert.deepEqual(workerTrouble, [], 'the analysis worker runs offline');
      }
      // A fresh tab offline opens too, with the sample.
      const other = await context.newPage();
      await other.goto(origin + '/');
      await other.locator('[data-testid=editor]').waitFor();
      await other.close();
      // Only the browser's own check for a new sw.js, which Playwright's offline emulation does not
      // cover (really offline it fails quietly and the installed worker stays): none of the app's.
      assert.deepEqual(reached.filter((path) => path !== '/sw.js'), [], 'nothing of the app reached the server while offline');
    } finally {
      served.off('request', count);
      await context.setOffline(false);
    }
    assert.deepEqual(await violations(page), []);
  });

  await test('a new deploy takes over cleanly: old tabs are told, the old cache is removed', async () => {
    // v1 is this build; v2 the same with changed CSS (a new hashed name, as Trunk would write it)
    // and a marker in index.html, finished by the same post-build step Trunk runs.
    const tmp = await mkdtemp(join(tmpdir(), 'djreview-deploy-'));
    const [v1, v2] = [join(tmp, 'v1'), join(tmp, 'v2')];
    await cp(dist, v1, { recursive: true });
    await cp(dist, v2, { recursive: true });
    const oldCss = (await readdir(v2)).find((f) => /^style-[0-9a-f]+\.css$/.test(f));
    const css = `${await readFile(join(v2, oldCss), 'utf8')}\n/* deploy 2 */\n`;
    const newCss = `style-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
    await rm(join(v2, oldCss));
    await writeFile(join(v2, newCss), css);
    const sri = `sha384-${createHash('sha384').update(css).digest('base64')}`;
    let html = await readFile(join(v2, 'index.html'), 'utf8');
    html = html.replace(new RegExp(`href="/${oldCss}" integrity="[^"]*"`), `href="/${newCss}" integrity="${sri}"`)
      .replace('<title>', '<meta name="djreview-e2e-deploy" content="2" />\n    <title>');
    assert.ok(html.includes(newCss));
    await writeFile(join(v2, 'index.html'), html);
    execFileSync(process.execPath, [join(root, 'scripts/post-build.mjs'), v2], { stdio: 'pipe' });
    const [version1, version2] = [await versionOf(v1), await versionOf(v2)];
    assert.notEqual(version1, version2);

    // Served with the documented CSP header as well as the meta tag: both must hold.
    assert.ok(documentedHeader, 'docs/security.md gives the header form');
    const site = await serve(v1, { headers: { 'content-security-policy': documentedHeader } });
    const { context, page, problems } = await ownContext(browser, site.origin);
    try {
      await page.goto(site.origin + '/');
      await page.locator('[data-testid=finding]').first().waitFor();
      await controlled(page);
      assert.equal(await workerVersion(page), version1);
      assert.deepEqual(await cacheNames(page), [`djreview-${version1}`]);

      // Deploy v2. The open tab (still running v1) finds the new worker at its next check.
      site.setRoot(v2);
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
      const notice = page.locator('[data-testid=update-notice]');
      await notice.waitFor();
      assert.match(await notice.innerText(), /new version/i);
      await page.screenshot({ path: join(artifacts, 'update-notice.png') });
      assert.equal(await workerVersion(page), version2, 'the new worker took over');
      await until(async () => (await cacheNames(page)).join() === `djreview-${version2}`, 'the old cache to go');
      // v1 keeps working in the open tab meanwhile.
      await addFile(page, 'shop/models.py', await fixture('models.py'));
      await addFile(page, 'shop/views.py', await fixture('views.py'));
      await page.locator('[data-testid=finding][data-code=QRY101][data-path="shop/views.py"]').waitFor();

      await page.locator('[data-testid=update-reload]').click();
      await page.locator('meta[name=djreview-e2e-deploy]').waitFor({ state: 'attached' });
      await page.locator('[data-testid=finding]').first().waitFor();
      assert.equal(await page.locator(`link[href="/${newCss}"]`).count(), 1);
      assert.equal(await page.locator('[data-testid=update-notice]').count(), 0, 'no notice on the new version');
      const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), `djreview-${version2}`);
      assert.ok(cached.includes(`/${newCss}`) && !cached.includes(`/${oldCss}`), cached.join(' '));

      // A tab opened after the deploy gets v2 directly and no notice; offline it is v2 too.
      await context.setOffline(true);
      const later = await context.newPage();
      await later.goto(site.origin + '/');
      await later.locator('[data-testid=finding]').first().waitFor();
      assert.equal(await later.locator('meta[name=djreview-e2e-deploy]').count(), 1);
      assert.equal(await later.locator('[data-testid=update-notice]').count(), 0);
      await context.setOffline(false);

      assert.deepEqual(await violations(page), []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      site.server.close();
      await rm(tmp, { recursive: true, force: true });
    }
  });

  await test('hostile names, code, templates and notices render as text everywhere', async (page) => {
    await watchCsp(page);
    await open(page);
    await page.locator('[data-testid=new-review]').click();
    const hostileName = 'shop/<img src=x onerror="window.__pwned=1">.py';
    const markup = '<script>window.__pwned=2</script><img src=x onerror=window.__pwned=3>';
    // A file whose name and code carry markup; its finding quotes both (message, location, fix).
    await paste(page, 'from django.http import HttpResponse\nfrom django.utils.safestring import mark_safe\n\n\n' +
      `def greet(request):\n    return HttpResponse(mark_safe("${markup}%s" % request.GET.get("<b>name</b>", "")))\n`);
    await rename(page, hostileName);
    // A template with a script block and handlers, whose finding opens it in the editor.
    await addFile(page, 'shop/models.py', 'from django.db import models\n\n\nclass Customer(models.Model):\n    name = models.CharField(max_length=100)\n\n\n' +
      'class Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n');
    await addFile(page, 'shop/views.py', 'from django.shortcuts import render\n\nfrom .models import Order\n\n\n' +
      'def orders(request):\n    return render(request, "shop/list.html", {"orders": Order.objects.all()})\n');
    await addFile(page, 'shop/templates/shop/list.html', '<script>window.__pwned=5</script>\n{% for order in orders %}\n' +
      '  <li onclick="window.__pwned=6">{{ order.customer.name }} {{ request.GET.q|safe }}</li>\n{% endfor %}\n');
    // A diff whose file names carry markup.
    await addFile(page, 'change.diff', 'diff --git a/<svg onload=window.__pwned=7>.py b/<svg onload=window.__pwned=7>.py\n' +
      '--- a/<svg onload=window.__pwned=7>.py\n+++ b/<svg onload=window.__pwned=7>.py\n@@ -1,2 +1,3 @@\n x = 1\n+y = "<iframe src=javascript:window.__pwned=8>"\n z = 3\n');

    const sec = page.locator('[data-testid=finding][data-code=SEC102]');
    await sec.waitFor();
    assert.equal(await sec.getAttribute('data-path'), hostileName);
    assert.ok((await sec.innerText()).includes('request.GET.get("<b>name</b>", "")'));
    await sec.locator('button.head').click();
    await page.locator('[data-testid=fix]').waitFor();
    assert.ok((await page.locator('[data-testid=finding-detail]').innerText()).includes(markup), 'the fix quotes the markup as text');
    const tpl = page.locator('[data-testid=finding][data-code=QRY112]');
    await tpl.locator('button.head').click();
    await page.locator('[data-testid=fix]').waitFor();
    assert.ok((await page.locator('[data-testid=editor]').inputValue()).includes('<script>window.__pwned=5</script>'));
    assert.ok(await page.locator('[data-testid=finding][data-code=SEC103]').count() === 1);
    await page.locator('[data-testid=file-tab]', { hasText: 'change.diff' }).click();
    await page.locator('[data-testid=diff-view]').waitFor();
    assert.ok((await page.locator('[data-testid=diff-view]').innerText()).includes('<svg onload=window.__pwned=7>.py'));

    // A notice quoting a file name.
    await page.locator('[data-testid=upload]').setInputFiles([
      { name: '<img src=x onerror=window.__pwned=9>.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) },
    ]);
    await page.locator('[data-testid=notice]').filter({ hasText: 'binary' }).waitFor();
    assert.ok((await page.locator('[data-testid=notice]').innerText()).includes('<img src=x onerror=window.__pwned=9>.png'));

    // The report as Markdown rendered to HTML for printing: names and code are user text there too.
    await page.locator('[data-testid=share]').click();
    await page.locator('[data-testid=share-dialog]').waitFor();
    await page.locator('[data-testid=share-close]').click();
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    await page.emulateMedia({ media: 'print' });
    const printed = page.locator('[data-testid=print-report]');
    await printed.waitFor();
    assert.ok((await printed.innerText()).includes(hostileName), 'the print view names the file as text');
    await page.emulateMedia({ media: 'screen' });

    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    const injected = await page.evaluate(() => ({
      elements: document.querySelectorAll('img, iframe, object, embed, svg [onload], script:not([src]):not([type="application/json"]), b').length,
      handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)),
    }));
    assert.deepEqual(injected, { elements: 0, handlers: [] });
    assert.deepEqual(await violations(page), [], 'nothing was even attempted');
  });
}
