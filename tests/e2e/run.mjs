// End-to-end tests of the built app in Debian's headless Chromium, driven by playwright-core.
// Usage: node tests/e2e/run.mjs [dist-dir]. Exits non-zero on any failure; keeps screenshots in
// tests/e2e/artifacts/.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.argv[2] ?? join(here, '../../dist'));
const artifacts = join(here, 'artifacts');
const fixture = (name) => readFile(join(here, 'fixtures', name), 'utf8');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

await mkdir(artifacts, { recursive: true });
const { server, origin } = await serve(dist);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});

const results = [];
async function test(name, fn) {
  // E2E_ONLY=regex runs a subset while developing; the test command runs them all.
  if (process.env.E2E_ONLY && !new RegExp(process.env.E2E_ONLY).test(name)) return;
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin + '/') && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`request to another origin: ${url}`);
  });
  const started = Date.now();
  try {
    await fn(page, context);
    assert.deepEqual(problems, [], 'no console errors and no requests beyond the app\'s own files');
    results.push({ name, ok: true, ms: Date.now() - started });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n     ${String(e.stack ?? e).split('\n').slice(0, 6).join('\n     ')}`);
    if (problems.length) console.log(`     ${problems.join('\n     ')}`);
    await page.screenshot({ path: join(artifacts, `failure-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
  } finally {
    await context.close();
  }
}

/** Puts text into the editor the way a paste does: one input event (page.fill is slow on big texts). */
async function paste(page, text) {
  await page.locator('[data-testid=editor]').evaluate((el, value) => {
    el.value = value;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
}

/** Names the active tab and waits until the tab shows the name. */
async function rename(page, name) {
  await page.locator('[data-testid=file-name]').fill(name);
  await page.locator('[data-testid=file-name]').press('Enter');
  await page.locator('[data-testid=file-tab][aria-selected=true]', { hasText: name.split('/').pop() }).waitFor();
}

async function open(page) {
  await page.goto(origin + '/');
  await page.locator('[data-testid=editor]').waitFor();
}

await test('first visit shows the sample with findings and a score', async (page) => {
  await open(page);
  await page.locator('[data-testid=finding]').first().waitFor();
  const codes = await page.locator('[data-testid=finding]').evaluateAll((els) => els.map((e) => e.dataset.code));
  assert.ok(codes.includes('QRY101'), `sample findings: ${codes}`);
  assert.match(await page.locator('[data-testid=score]').innerText(), /^\d+$/);
  assert.ok(await page.locator('[data-testid=file-tab]').count() >= 3);
  await page.screenshot({ path: join(artifacts, 'sample.png') });
});

await test('a template finding opens the template in its own tab', async (page) => {
  await open(page);
  const finding = page.locator('[data-testid=finding][data-code=QRY112]');
  await finding.waitFor();
  assert.match(await finding.getAttribute('data-path'), /archive\.html$/);
  await finding.locator('button.head').click();
  await page.locator('[data-testid=fix]').waitFor();
  const active = await page.locator('[data-testid=file-tab][aria-selected=true]').getAttribute('title');
  assert.match(active, /archive\.html$/);
  const selection = await page.locator('[data-testid=editor]').evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
  assert.equal(selection, 'post.author.display_name');
  assert.ok(await page.locator('[data-testid=gutter-marker]').count() >= 1);
});

await test('pasting models.py and views.py reports the N+1 at its line and shows the fix', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await paste(page, await fixture('models.py'));
  await rename(page, 'shop/models.py');
  await page.locator('[data-testid=new-file]').click();
  await paste(page, await fixture('views.py'));
  const finding = page.locator('[data-testid=finding][data-code=QRY101]');
  await finding.waitFor();
  assert.equal(await finding.count(), 1);
  assert.equal(await finding.getAttribute('data-line'), '10');
  assert.match(await finding.innerText(), /order\.customer/);
  await finding.locator('button.head').click();
  const fix = page.locator('[data-testid=fix]');
  await fix.waitFor();
  assert.match(await fix.innerText(), /select_related\("customer"\)/);
  // The editor selected the span on line 10.
  const selection = await page.locator('[data-testid=editor]').evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
  assert.equal(selection, 'order.customer');
  assert.equal(await page.locator('[data-testid=gutter-marker][data-line="10"]').count(), 1);
  await page.screenshot({ path: join(artifacts, 'n-plus-one.png') });
});

await test('a migration shows its risk score, locks, SQL and a safe recipe', async (page, context) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await paste(page, await fixture('0001_initial.py'));
  await rename(page, 'shop/migrations/0001_initial.py');
  await page.locator('[data-testid=new-file]').click();
  await paste(page, await fixture('0002_order_code.py'));
  await rename(page, 'shop/migrations/0002_order_code.py');
  const view = page.locator('[data-testid=migration-view]');
  await view.waitFor();
  assert.equal(await page.locator('[data-testid=migration-verdict]').textContent(), 'dangerous');
  assert.ok(Number(await page.locator('[data-testid=migration-score]').innerText()) >= 60);
  const ops = page.locator('[data-testid=migration-op]');
  assert.equal(await ops.count(), 3);
  // Judged against 0001: growing the varchar is free, SET NOT NULL scans under ACCESS EXCLUSIVE.
  assert.equal(await ops.nth(0).getAttribute('data-score'), '10');
  assert.match(await ops.nth(1).locator('[data-testid=lock-badge]').innerText(), /ACCESS EXCLUSIVE/i);
  assert.match(await ops.nth(1).innerText(), /SET NOT NULL scans/);
  assert.match(await ops.nth(2).locator('[data-testid=lock-badge]').innerText(), /^SHARE$/i);
  await ops.nth(2).locator('[data-testid=copy-recipe]').click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /AddIndexConcurrently/);
  assert.match(copied, /atomic = False/);
  await ops.nth(1).locator('button.op-name').click();
  const selection = await page.locator('[data-testid=editor]').evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
  assert.match(selection, /AlterField\("order", "code", models.CharField\(max_length=50\)\)/);
  // Marking the table hot raises the index build's score; the setting survives a reload.
  await page.locator('[data-testid=hot-tables]').fill('shop_order');
  await page.locator('[data-testid=hot-tables]').press('Enter');
  await page.waitForFunction(() => Number(document.querySelectorAll('[data-testid=migration-op]')[2]?.dataset.score) > 50);
  await page.screenshot({ path: join(artifacts, 'migration.png') });
  await page.waitForTimeout(900);
  await page.reload();
  await page.locator('[data-testid=migration-view]').waitFor();
  assert.equal(await page.locator('[data-testid=hot-tables]').inputValue(), 'shop_order');
});

await test('an EXPLAIN plan shows its tree, own times, tips and node details', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await paste(page, await fixture('plan.txt'));
  const view = page.locator('[data-testid=plan-view]');
  await view.waitFor();
  assert.match(await page.locator('[data-testid=plan-total]').innerText(), /127 ms/);
  const nodes = page.locator('[data-testid=plan-node]');
  assert.equal(await nodes.count(), 6);
  assert.ok(await page.locator('[data-testid=plan-tip]').count() >= 1);
  // The inner index scan: 588 loops, its own time is all of its 4.1 ms.
  await nodes.nth(5).click();
  const detail = await page.locator('[data-testid=node-detail]').innerText();
  assert.match(detail, /588 loops/);
  assert.match(detail, /4\.12 ms own/);
  // Folding the first nested loop hides its subtree.
  await nodes.nth(1).locator('button.fold').click();
  assert.equal(await nodes.count(), 2);
  await page.screenshot({ path: join(artifacts, 'plan.png') });
});

await test('uploading a file adds a tab and analyses it with the others', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await page.locator('[data-testid=upload]').setInputFiles([
    { name: 'models.py', mimeType: 'text/x-python', buffer: Buffer.from(await fixture('models.py')) },
    { name: 'report.py', mimeType: 'text/x-python', buffer: Buffer.from(await fixture('report.py')) },
  ]);
  const tabs = page.locator('[data-testid=file-tab]');
  await page.locator('[data-testid=finding][data-code=QRY102]').waitFor();
  assert.equal(await tabs.count(), 2);
  assert.deepEqual(await tabs.evaluateAll((els) => els.map((e) => e.dataset.kind)), ['python', 'python']);
  assert.equal(await page.locator('[data-testid=finding][data-code=QRY102]').getAttribute('data-path'), 'report.py');
});

await test('a whole folder can be opened; vendored folders are skipped', async (page) => {
  const dir = await mkdtemp(join(tmpdir(), 'djreview-folder-'));
  await mkdir(join(dir, 'shop'), { recursive: true });
  await mkdir(join(dir, 'node_modules', 'pkg'), { recursive: true });
  await writeFile(join(dir, 'shop', 'models.py'), await fixture('models.py'));
  await writeFile(join(dir, 'shop', 'views.py'), await fixture('views.py'));
  await writeFile(join(dir, 'shop', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]));
  await writeFile(join(dir, 'node_modules', 'pkg', 'vendored.py'), await fixture('views.py'));
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await page.locator('[data-testid=upload-folder]').setInputFiles(dir);
  await page.locator('[data-testid=finding][data-code=QRY101]').waitFor();
  const names = await page.locator('[data-testid=file-tab]').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
  assert.equal(names.length, 2, `tabs: ${names}`);
  assert.ok(names.every((n) => n.includes('/shop/')), `tabs: ${names}`);
  await rm(dir, { recursive: true, force: true });
});

await test('files dropped on the page are opened', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  const models = await fixture('models.py');
  const report = await fixture('report.py');
  await page.evaluate(([m, r]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([m], 'models.py', { type: 'text/x-python' }));
    dt.items.add(new File([r], 'report.py', { type: 'text/x-python' }));
    document.querySelector('.app').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [models, report]);
  await page.locator('[data-testid=finding][data-code=QRY102]').waitFor();
  assert.equal(await page.locator('[data-testid=file-tab]').count(), 2);
});

await test('a binary upload is skipped with a message and the rest still works', async (page) => {
  await open(page);
  await page.locator('[data-testid=upload]').setInputFiles([
    { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) },
  ]);
  await page.locator('[data-testid=notice]').waitFor();
  assert.match(await page.locator('[data-testid=notice]').innerText(), /logo\.png \(binary\)/);
  assert.ok(await page.locator('[data-testid=finding]').count() > 0);
});

await test('a syntax error is reported at its line while other files are analysed', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-file]').click();
  await paste(page, 'def broken(:\n    pass\n');
  const syn = page.locator('[data-testid=finding][data-code=SYN001]');
  await syn.waitFor();
  assert.equal(await syn.getAttribute('data-line'), '1');
  assert.ok(await page.locator('[data-testid=finding][data-code=QRY101]').count() > 0);
});

await test('a reload keeps the work (autosave)', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await paste(page, '# kept across reloads\nx = 1\n');
  await page.waitForTimeout(900);
  await page.reload();
  await page.locator('[data-testid=editor]').waitFor();
  assert.equal(await page.locator('[data-testid=editor]').inputValue(), '# kept across reloads\nx = 1\n');
});

await test('the dark theme and the playbook render', async (page) => {
  await open(page);
  await page.locator('[data-testid=theme]').click();
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  await page.locator('[data-testid=finding]').first().locator('button.head').click();
  await page.locator('[data-testid=playbook-link]').click();
  await page.locator('[data-testid=playbook-section]').waitFor();
  assert.match(await page.locator('[data-testid=playbook-section]').innerText(), /N\+1/);
  assert.ok(theme === 'dark' || theme === 'light');
  await page.screenshot({ path: join(artifacts, 'playbook-dark.png') });
});

await test('hostile input renders as text', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await rename(page, '<img src=x onerror=alert(1)>.py');
  await paste(page, '<script>window.__pwned = 1</script>\n{{ x|safe }} <b>bold</b>\n');
  await page.waitForTimeout(400);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img[src=x]').count(), 0);
  assert.equal(await page.locator('.backdrop b').count(), 0);
});

await test('settings audit: the view shows each setting through the import chain, the profile and version switch the checks', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await paste(page, "SECRET_KEY = 'django-insecure-view-s3cret-abcdefghijklmnopqrstuvwxyz0123456789'\n" +
    "DEBUG = True\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nINSTALLED_APPS = ['django.contrib.sessions']\n");
  await rename(page, 'proj/settings/base.py');
  await addFile(page, 'proj/settings/production.py',
    "from .base import *\nimport os\nDEBUG = False\nALLOWED_HOSTS = os.environ['HOSTS'].split(',')\nSECURE_CSP = 'default-src self'\n");
  const view = page.locator('[data-testid=settings-view]');
  await view.waitFor();
  const row = (name) => view.locator(`[data-testid=setting-row][data-setting=${name}]`);
  // Set in the base module, reached through the production module's star import.
  assert.equal(await row('SECRET_KEY').getAttribute('data-status'), 'fails');
  const keyText = await row('SECRET_KEY').innerText();
  assert.match(keyText, /base\.py:1/);
  assert.match(keyText, /production\.py:1/);
  assert.ok(!keyText.includes('view-s3cret'), `the key is hidden: ${keyText}`);
  assert.equal(await row('DEBUG').getAttribute('data-status'), 'passes');
  assert.equal(await row('ALLOWED_HOSTS').getAttribute('data-status'), 'unverified');
  assert.match(await row('SECURE_HSTS_SECONDS').innerText(), /Django's default/);
  const codes = () => page.locator('[data-testid=finding]').evaluateAll((els) => els.map((e) => e.dataset.code));
  assert.ok((await codes()).includes('DEP104'), `findings: ${await codes()}`);
  // Development: only the checks Django runs on every `check` remain.
  await view.locator('[data-testid=settings-profile]').selectOption('development');
  await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid=finding]')].some((e) => e.dataset.code.startsWith('DEP')));
  await page.locator('[data-testid=settings-profile]').selectOption('production');
  await page.locator('[data-testid=finding][data-code=DEP104]').waitFor();
  // Django 6.0 checks the CSP setting's type.
  assert.equal(await page.locator('[data-testid=finding][data-code=DEP107]').count(), 0);
  await page.locator('[data-testid=settings-django]').selectOption('6.0');
  await page.locator('[data-testid=finding][data-code=DEP107]').waitFor();
});

// ---- The report passed around: share links, exports, diff input. ----

const SETTINGS = "SECRET_KEY = 'django-insecure-e2e-s3cret-0123456789abcdefghijklmnopqrstuvwxyz'\n" +
  "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': 'e2e-db-password'}}\n";

/** Adds a named tab with the given text. */
async function addFile(page, name, text) {
  await page.locator('[data-testid=new-file]').click();
  await paste(page, text);
  await rename(page, name);
}

/** What a reviewer sees: every finding, the scores and the tabs. */
async function reportSignature(page) {
  await page.locator('[data-testid=score]').waitFor();
  return page.evaluate(() => ({
    findings: [...document.querySelectorAll('[data-testid=finding]')].map((e) => `${e.dataset.code} ${e.dataset.path}:${e.dataset.line}`),
    score: document.querySelector('[data-testid=score]').innerText,
    categories: [...document.querySelectorAll('[data-category]')].map((e) => `${e.dataset.category}=${e.dataset.score}`),
    tabs: [...document.querySelectorAll('[data-testid=file-tab]')].map((e) => e.innerText.replace(/\s+/g, ' ').trim()),
  }));
}

/** The JSON inside a share link (raw deflate, base64url), the way the app wrote it. */
function linkContent(url) {
  const fragment = new URL(url).hash.slice(1);
  const payload = fragment.slice(3).replace(/-/g, '+').replace(/_/g, '/');
  return inflateRawSync(Buffer.from(payload, 'base64')).toString('utf8');
}

async function shareLink(page) {
  await page.locator('[data-testid=share]').click();
  await page.locator('[data-testid=share-dialog]').waitFor();
  return page.locator('[data-testid=share-link]').inputValue();
}

await test('share, then open the link in a fresh page: the same inputs, view and report', async (page) => {
  await open(page);
  await addFile(page, 'shop/settings.py', SETTINGS);
  await page.locator('[data-testid=finding][data-code=QRY101]').first().locator('button.head').click();
  await page.locator('[data-testid=finding-detail]').waitFor();
  const before = await reportSignature(page);
  const expanded = await page.locator('[data-testid=finding].selected').getAttribute('data-code');
  const link = await shareLink(page);
  assert.ok(link.startsWith(origin + '/#s1.'), link);
  assert.equal(await page.locator('[data-testid=redacted-count]').innerText(), '2 secrets hidden.');

  const fresh = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const other = await fresh.newPage();
    const errors = [];
    other.on('pageerror', (e) => errors.push(e.message));
    await other.goto(link);
    await other.locator('[data-testid=finding]').first().waitFor();
    assert.deepEqual(await reportSignature(other), before);
    assert.equal(await other.locator('[data-testid=finding].selected').getAttribute('data-code'), expanded);
    assert.match(await other.locator('[data-testid=notice]').innerText(), /hid 2 secrets/);
    assert.equal(new URL(other.url()).hash, '', 'the fragment is cleared so a reload restores the autosave');
    // The receiver's copy is autosaved: a reload keeps it.
    await other.waitForTimeout(900);
    await other.reload();
    await other.locator('[data-testid=finding]').first().waitFor();
    assert.deepEqual((await reportSignature(other)).findings, before.findings);
    assert.deepEqual(errors, []);
  } finally {
    await fresh.close();
  }
});

await test('a redacted secret never appears in the link; unticking the box puts it back', async (page) => {
  await open(page);
  await addFile(page, 'shop/settings.py', SETTINGS);
  const link = await shareLink(page);
  const content = linkContent(link);
  assert.ok(content.includes('<redacted:'), 'the link holds the redacted settings');
  for (const secret of ['e2e-s3cret', 'e2e-db-password']) {
    assert.ok(!content.includes(secret) && !link.includes(secret), `${secret} leaked into the link`);
  }
  assert.equal(await page.locator('[data-testid=share-redact]').isChecked(), true, 'redaction is on by default');
  await page.locator('[data-testid=share-redact]').uncheck();
  await page.locator('[data-testid=redacted-count]').filter({ hasText: 'included as typed' }).waitFor();
  assert.ok(linkContent(await page.locator('[data-testid=share-link]').inputValue()).includes('e2e-db-password'));
});

await test('a link too long for chat tools warns and offers findings only', async (page) => {
  await open(page);
  let x = 0x9e3779b9;
  const noise = Array.from({ length: 40000 }, () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return String.fromCharCode(97 + ((x >>> 0) % 26)); }).join('');
  await addFile(page, 'notes.txt', `# ${noise}\n`);
  const before = await reportSignature(page);
  await shareLink(page);
  await page.locator('[data-testid=share-too-long]').waitFor();
  await page.locator('[data-testid=share-findings-only]').click();
  await page.locator('[data-testid=share-too-long]').waitFor({ state: 'detached' });
  const link = await page.locator('[data-testid=share-link]').inputValue();
  assert.ok(link.startsWith(origin + '/#f1.') && link.length < 8192, `${link.length} characters`);
  const other = await page.context().browser().newContext();
  try {
    const p2 = await other.newPage();
    await p2.goto(link);
    await p2.locator('[data-testid=frozen]').waitFor();
    const after = await reportSignature(p2);
    assert.deepEqual(after.findings, before.findings);
    assert.equal(after.score, before.score);
    assert.equal(await p2.locator('[data-testid=editor]').count(), 0, 'no sources, no editor');
  } finally {
    await other.close();
  }
});

await test('a damaged link says so and the app still works', async (page) => {
  await page.goto(origin + '/#s1.AAAA-not-a-review');
  await page.locator('[data-testid=notice]').filter({ hasText: 'could not be opened' }).waitFor();
  await page.locator('[data-testid=finding]').first().waitFor();
  await page.locator('[data-testid=notice] button').click();
  await page.locator('[data-testid=notice]').waitFor({ state: 'detached' });
  // A link pasted into the address bar of an open tab changes only the fragment.
  await page.goto(origin + '/#f1.' + 'A'.repeat(5000));
  await page.locator('[data-testid=notice]').filter({ hasText: 'could not be opened' }).waitFor();
  assert.equal(new URL(page.url()).hash, '');
  assert.ok(await page.locator('[data-testid=finding]').count() > 0, 'the review on screen is untouched');
});

await test('opening a link sets the reviewer\'s own work aside and can bring it back', async (page, context) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await paste(page, '# my own work\n');
  await page.waitForTimeout(900);
  // A colleague's link, made in another context.
  const other = await browser.newContext();
  let link;
  try {
    const p2 = await other.newPage();
    await p2.goto(origin + '/');
    await p2.locator('[data-testid=finding]').first().waitFor();
    link = await shareLink(p2);
  } finally {
    await other.close();
  }
  await page.goto(link);
  await page.locator('[data-testid=finding]').first().waitFor();
  await page.locator('[data-testid=restore-previous]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=editor]')?.value === '# my own work\n');
});

await test('Copy as Markdown gives a pull-request comment with code, fix and link', async (page, context) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await open(page);
  await addFile(page, 'shop/settings.py', SETTINGS);
  await shareLink(page);
  await page.locator('[data-testid=copy-markdown]').click();
  await page.locator('[data-testid=export-done]').filter({ hasText: 'Markdown copied' }).waitFor();
  const md = await page.evaluate(() => navigator.clipboard.readText());
  const score = await page.locator('[data-testid=score]').innerText();
  assert.ok(md.startsWith(`## djreview: ${score}/100\n`), md.slice(0, 200));
  assert.match(md, /### 🟧 high `QRY101` fk-access-in-loop/);
  assert.match(md, /```python\n.*post\.author/);
  assert.match(md, /\*\*Fix:\*\*/);
  assert.match(md, /```diff\n- /);
  assert.match(md, /\| Checklist \| Score \|/);
  const link = md.match(/\[Open the full report\]\((.*)\)/)?.[1];
  assert.ok(link?.startsWith(origin + '/#s1.'), 'the comment links to the review');
  assert.ok(!md.includes('e2e-db-password') && !linkContent(link).includes('e2e-db-password'));
  assert.match(md, /2 secrets were hidden before export\./, 'the comment says what was hidden');
});

await test('JSON and SARIF downloads use the CLI\'s schemas; the print view shows the report', async (page) => {
  await open(page);
  await page.locator('[data-testid=finding]').first().waitFor();
  const count = await page.locator('[data-testid=finding]').count();
  await shareLink(page);
  const [json] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=download-json]').click()]);
  assert.equal(json.suggestedFilename(), 'djreview-report.json');
  const report = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.equal(report.version, 1);
  assert.equal(report.findings.length, count);
  const [sarif] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=download-sarif]').click()]);
  const log = JSON.parse(await readFile(await sarif.path(), 'utf8'));
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs[0].results.length, count);
  assert.ok(log.runs[0].results.every((r) => r.locations[0].physicalLocation.region.startLine >= 1));
  await page.locator('[data-testid=share-close]').click();
  // What the browser does before it lays the page out for paper.
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('[data-testid=editor]').isVisible(), false);
  const printed = page.locator('[data-testid=print-report]');
  assert.ok(await printed.isVisible());
  assert.match(await printed.innerText(), /djreview: \d+\/100/);
  assert.match(await printed.innerText(), /QRY101/);
  await page.screenshot({ path: join(artifacts, 'print.png'), fullPage: true });
});

await test('a pasted diff reports findings at the diff\'s lines, marked when changed', async (page) => {
  const parts = (await readFile(join(here, '../../crates/engine/tests/fixtures/QRY101_in_a_diff.diff'), 'utf8'))
    .split('# === ').filter(Boolean).map((p) => [p.slice(0, p.indexOf('\n')).trim(), p.slice(p.indexOf('\n') + 1)]);
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  await paste(page, parts[0][1]);
  await rename(page, parts[0][0]);
  await addFile(page, parts[1][0], parts[1][1]);
  await page.locator('[data-testid=diff-view]').waitFor();
  assert.ok(await page.locator('[data-testid=diff-file]').count() >= 3);
  const changed = page.locator('[data-testid=finding][data-changed=true]');
  await changed.first().waitFor();
  const all = await page.locator('[data-testid=finding]').count();
  const unchanged = await page.locator('[data-testid=finding][data-changed=false]').count();
  assert.ok(unchanged > 0, 'the fixture has findings on unchanged lines too');
  assert.ok(await page.locator('[data-testid=changed-badge]').count() >= 1);
  await changed.first().locator('button.head').click();
  // The editor shows the diff and selects the added line the finding is on.
  const line = await page.locator('[data-testid=editor]').evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
  assert.ok(line.startsWith('+'), line);
  assert.ok(await page.locator('[data-testid=gutter-marker]').count() >= 1);
  await page.locator('[data-testid=changed-only]').check();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=finding]').length === n, all - unchanged);
  assert.equal(await page.locator('[data-testid=finding][data-changed=false]').count(), 0);
  // Highlights stay on their lines: the backdrop scrolls with the text after the marks change.
  const [text, backdrop] = await page.evaluate(() => [document.querySelector('[data-testid=editor]').scrollTop, document.querySelector('.backdrop').scrollTop]);
  assert.ok(text > 0 && text === backdrop, `textarea ${text}, backdrop ${backdrop}`);
  await page.screenshot({ path: join(artifacts, 'diff.png') });
});

await test('rule pages are generated from the rule docs and reachable from the playbook', async (page) => {
  await open(page);
  // The report lists the playbook sections its findings touch.
  await page.locator('[data-testid=touched-section][data-slug=n-plus-one]').waitFor();
  assert.equal(await page.locator('[data-testid=touched-section][data-slug=online-migrations]').count(), 0);
  await page.locator('[data-testid=playbook]').click();
  await page.locator('[data-testid=rule-link][data-code=QRY101]').click();
  const rule = page.locator('[data-testid=rule-page][data-code=QRY101]');
  await rule.waitFor();
  assert.match(await rule.innerText(), /Why it matters at scale/);
  await page.locator('[data-testid=rule-section]').click();
  await page.locator('[data-testid=playbook-section][data-slug=n-plus-one]').waitFor();
  assert.ok(await page.locator('[data-testid=rule-link][data-code=QRY101]').count() === 1, 'the section lists its rules');
  // The scorecard explains what cost the most.
  const top = page.locator('[data-testid=top-cost]').first();
  assert.ok(Number(await top.getAttribute('data-points')) > 0);
  await top.click();
  await page.locator('[data-testid=finding-detail]').waitFor();
});

await test('a crafted link cannot inject markup', async (page) => {
  const review = {
    files: [
      { name: '<img src=x onerror="window.__pwned=1">.py', text: '<script>window.__pwned=2</script>\ndef v(r):\n    return "<b>x</b>"\n' },
      { name: 'notes.md', text: '# Title\n\n<img src=y onerror="window.__pwned=3">\n[x](javascript:alert(1))\n' },
    ],
    options: { postgres: 16 },
    active: 0,
    redacted: 0,
    panel: 'playbook:<img src=z onerror="window.__pwned=4">',
  };
  const fragment = 's1.' + deflateRawSync(Buffer.from(JSON.stringify(review))).toString('base64url');
  await page.goto(`${origin}/#${fragment}`);
  await page.locator('[data-testid=notice]').filter({ hasText: 'Opened a shared review' }).waitFor();
  assert.equal(await page.locator('[data-testid=file-tab]').count(), 2);
  assert.match(await page.locator('[data-testid=file-tab]').first().innerText(), /<img src=x onerror=/);
  assert.equal(await page.locator('[data-testid=editor]').inputValue(), review.files[0].text);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.locator('.backdrop b').count(), 0);
  // An unknown panel falls back to the findings.
  assert.equal(await page.locator('[data-testid=playbook-view]').count(), 0);
});

await test('autosave says when the inputs are too large to keep, and keeps them on screen', async (page) => {
  await open(page);
  await page.locator('[data-testid=new-review]').click();
  const big = '# filler line for the autosave cap\n'.repeat(70000);
  await paste(page, big);
  await page.locator('[data-testid=notice]').filter({ hasText: 'Autosave is paused' }).waitFor();
  assert.equal((await page.locator('[data-testid=editor]').inputValue()).length, big.length);
});

// Suites kept in their own files get the same harness.
const harness = { test, open, paste, rename, addFile, reportSignature, browser, origin, artifacts, fixture, here, dist };
for (const suite of ['./hardening.mjs', './badinput.mjs', './perf.mjs']) {
  const path = join(here, suite);
  if (await readFile(path).then(() => true, () => false)) await (await import(path)).default(harness);
}

await browser.close();
server.close();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed; screenshots in ${artifacts}`);
process.exit(failed.length ? 1 : 0);
