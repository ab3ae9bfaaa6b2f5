// Browser speed, reported rather than asserted (timings depend on the machine): keystroke to updated
// report on a 1,000-line file, a 20,000-line paste analysed in the worker without freezing the page,
// and the first report after navigation. Results go to stdout and tests/e2e/artifacts/perf.json.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const VIEW = (i) => `
def report_${i}(request):
    orders = Order.objects.filter(paid=True)
    rows = []
    for order in orders:
        rows.append((order.pk, order.customer.name))
    return rows
`;
const MODELS = `from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    paid = models.BooleanField(default=False)
`;

const CLEAN = (i) => `
def summary_${i}(request):
    orders = Order.objects.filter(paid=True).select_related("customer")
    rows = []
    for order in orders:
        rows.append((order.pk, order.customer.name))
    return rows
`;

/** A views module of about `lines` lines; every `every`-th function has an N+1. */
function views(lines, every = 1) {
  const per = VIEW(0).split('\n').length - 1;
  const n = Math.ceil(lines / per);
  return 'from shop.models import Order\n' + Array.from({ length: n }, (_, i) => (i % every === 0 ? VIEW(i) : CLEAN(i))).join('');
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x) => Math.round(x * 10) / 10;

export default async function ({ test, open, paste, rename, addFile, artifacts }) {
  const results = {};

  await test('speed: first report after navigation', async (page) => {
    await open(page);
    await page.locator('[data-testid=finding]').first().waitFor();
    const first = await page.evaluate(() => performance.getEntriesByName('djreview:first-report')[0]?.startTime);
    assert.ok(first > 0, 'the first report is marked');
    results.firstReportMs = round(first);
    console.log(`     first report after navigation: ${round(first)} ms (goal ≤ 1000)`);
  });

  await test('speed: keystroke to updated report on a 1,000-line file', async (page) => {
    await open(page);
    await page.locator('[data-testid=new-review]').click();
    await paste(page, MODELS);
    await rename(page, 'shop/models.py');
    const text = views(1000);
    await addFile(page, 'shop/views.py', text);
    const functions = text.split('\ndef report_').length - 1;
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=finding][data-code=QRY101]').length === n, functions);
    await page.evaluate(() => performance.clearMeasures('djreview:keystroke-to-report'));
    // Type at the end of the file, one key at a time, each given time to be answered.
    const editor = page.locator('[data-testid=editor]');
    await editor.evaluate((el) => { el.focus(); el.setSelectionRange(el.value.length, el.value.length); });
    for (const key of '# a comment typed at the end of a long views module') {
      await page.keyboard.type(key);
      await page.waitForTimeout(60);
    }
    await page.waitForTimeout(300);
    const times = await page.evaluate(() => performance.getEntriesByName('djreview:keystroke-to-report').map((m) => m.duration));
    assert.ok(times.length >= 20, `${times.length} keystrokes measured`);
    assert.equal(await page.locator('[data-testid=finding][data-code=QRY101]').count(), functions, 'the report still matches the file');
    results.keystroke = { lines: text.split('\n').length, samples: times.length, p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), max: round(Math.max(...times)) };
    console.log(`     keystroke → report, ${results.keystroke.lines} lines: p50 ${results.keystroke.p50} ms, p95 ${results.keystroke.p95} ms (goal ≤ 50), max ${results.keystroke.max} ms`);
  });

  await test('speed: a 20,000-line paste is analysed in the worker without freezing the page', async (page) => {
    await open(page);
    await page.locator('[data-testid=new-review]').click();
    await paste(page, MODELS);
    await rename(page, 'shop/models.py');
    await page.locator('[data-testid=new-file]').click();
    await rename(page, 'shop/views.py');
    const text = views(20000, 40);
    const functions = text.split('\ndef report_').length - 1;
    // Watch the main thread: long tasks, and animation frames while the analysis runs.
    await page.evaluate(() => {
      window.__long = [];
      new PerformanceObserver((list) => window.__long.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    const started = Date.now();
    await paste(page, text);
    const framesDuring = await page.evaluate(async (n) => {
      let frames = 0;
      const tick = () => { frames++; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
      while (document.querySelectorAll('[data-testid=finding][data-code=QRY101]').length !== n) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return frames;
    }, functions);
    const elapsed = Date.now() - started;
    assert.equal(await page.locator('.app').getAttribute('data-analysed-by'), 'worker', 'the analysis ran in the worker');
    const long = await page.evaluate(() => window.__long);
    results.paste20k = { lines: text.split('\n').length, functions, reportMs: elapsed, framesWhileAnalysing: framesDuring, longTasks: long.length, longestTaskMs: round(Math.max(0, ...long)) };
    console.log(`     20,000-line paste: report in ${elapsed} ms, ${framesDuring} frames painted meanwhile, longest main-thread task ${results.paste20k.longestTaskMs} ms`);
    // Still responsive: typing into the file name works at once.
    await page.locator('[data-testid=file-name]').fill('shop/views_renamed.py');
    await page.locator('[data-testid=file-name]').press('Enter');
    await page.locator('[data-testid=file-tab][aria-selected=true]', { hasText: 'views_renamed.py' }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=finding][data-code=QRY101]').length === n, functions);
  });

  await writeFile(join(artifacts, 'perf.json'), JSON.stringify(results, null, 2) + '\n');
}
