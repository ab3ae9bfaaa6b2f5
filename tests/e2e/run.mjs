// End-to-end tests of the built app in Debian's headless Chromium, driven by playwright-core.
// Usage: node tests/e2e/run.mjs [dist-dir]. Exits non-zero on any failure; keeps screenshots in
// tests/e2e/artifacts/.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  await page.locator('[data-testid=file-name]').fill('shop/models.py');
  await page.locator('[data-testid=file-name]').press('Enter');
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
  await page.locator('[data-testid=file-name]').fill('shop/migrations/0001_initial.py');
  await page.locator('[data-testid=file-name]').press('Enter');
  await page.locator('[data-testid=new-file]').click();
  await paste(page, await fixture('0002_order_code.py'));
  await page.locator('[data-testid=file-name]').fill('shop/migrations/0002_order_code.py');
  await page.locator('[data-testid=file-name]').press('Enter');
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
  await page.locator('[data-testid=file-name]').fill('<img src=x onerror=alert(1)>.py');
  await page.locator('[data-testid=file-name]').press('Enter');
  await paste(page, '<script>window.__pwned = 1</script>\n{{ x|safe }} <b>bold</b>\n');
  await page.waitForTimeout(400);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img[src=x]').count(), 0);
  assert.equal(await page.locator('.backdrop b').count(), 0);
});

await browser.close();
server.close();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed; screenshots in ${artifacts}`);
process.exit(failed.length ? 1 : 0);
