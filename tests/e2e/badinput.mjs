// Hostile and broken input: each gives a clear message, and the rest of the review keeps working.
import assert from 'node:assert/strict';

/** The page is alive: a small paste in a new tab is analysed and reported. */
async function stillWorks(page, paste) {
  await page.locator('[data-testid=new-file]').click();
  await paste(page, 'from django.db import models\n\nclass A(models.Model):\n    pass\n\nclass B(models.Model):\n    a = models.ForeignKey(A, on_delete=models.CASCADE)\n\ndef v(r):\n    return [b.a for b in B.objects.all()]\n');
  await page.locator('[data-testid=finding][data-code=QRY101]').first().waitFor();
}

export default async function ({ test, open, paste, rename, addFile, fixture }) {
  await test('bad input: deeply nested expressions are skipped with a message, on the page and in the worker', async (page) => {
    await open(page);
    await page.locator('[data-testid=new-review]').click();
    // Small enough to be analysed on the page.
    await paste(page, 'x = ' + '['.repeat(20000) + ']'.repeat(20000) + '\n');
    await rename(page, 'nested.py');
    const nested = page.locator('[data-testid=finding][data-code=SYN001]');
    await nested.waitFor();
    assert.match(await nested.innerText(), /nested \d+ levels deep/);
    // Large enough for the worker: a 200,000-term sum, and unary operators 200,000 deep.
    await addFile(page, 'sum.py', 'x = 1' + ' + 1'.repeat(200000) + '\n');
    await addFile(page, 'unary.py', 'y = ' + '-'.repeat(250000) + '1\n');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=finding][data-code=SYN001]').length === 3, null, { timeout: 60000 });
    await stillWorks(page, paste);
  });

  await test('bad input: pathological EXPLAIN text is reported, not fatal', async (page) => {
    await open(page);
    await page.locator('[data-testid=new-review]').click();
    const deep = Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i * 2)}->  Nested Loop  (cost=0.00..1e308 rows=-5 width=99999999999) (actual time=nan..inf rows=1 loops=0)`).join('\n');
    await paste(page, 'QUERY PLAN\n' + deep + '\nPlanning Time: -1 ms\nExecution Time: 1e400 ms\n');
    await rename(page, 'plan.txt');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=finding]').length > 0 || document.querySelector('[data-testid=plan-view]'));
    await addFile(page, 'broken.json', '[{"Plan": {"Node Type": "Seq Scan", "Plans": [' + '{"Plans": ['.repeat(5000));
    await stillWorks(page, paste);
  });

  await test('bad input: invalid UTF-8 is read with replacement characters', async (page) => {
    await open(page);
    await page.locator('[data-testid=upload]').setInputFiles([
      { name: 'latin1.py', mimeType: 'text/x-python', buffer: Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x27, 0xe9, 0x74, 0xe9, 0x27, 0x0a, 0xff, 0xfe, 0x0a]) },
    ]);
    await page.locator('[data-testid=file-tab][aria-selected=true]', { hasText: 'latin1.py' }).waitFor();
    assert.ok((await page.locator('[data-testid=editor]').inputValue()).includes('\ufffd'));
    await stillWorks(page, paste);
  });

  await test('bad input: a truncated or tampered share link says so', async (page, context) => {
    await open(page);
    await page.locator('[data-testid=share]').click();
    const link = await page.locator('[data-testid=share-link]').inputValue();
    const other = await context.browser().newContext();
    try {
      for (const bad of [link.slice(0, Math.floor(link.length / 2)), link.slice(0, -7) + 'AAAAAAA', link.replace('#s1.', '#s9.'), link + '!!<script>']) {
        const p2 = await other.newPage();
        await p2.goto(bad);
        await p2.locator('[data-testid=notice]').filter({ hasText: 'could not be opened' }).waitFor();
        await p2.locator('[data-testid=finding]').first().waitFor();
        await p2.close();
      }
    } finally {
      await other.close();
    }
  });

  await test('bad input: a 10 MB paste is analysed off the page and autosave says it cannot keep it', async (page) => {
    await open(page);
    await page.locator('[data-testid=new-review]').click();
    await paste(page, await fixture('models.py'));
    await rename(page, 'shop/models.py');
    await page.locator('[data-testid=new-file]').click();
    await rename(page, 'shop/views.py');
    const chunk = (await fixture('views.py')) + '\n';
    const big = chunk.repeat(Math.ceil((10 * 1024 * 1024) / chunk.length));
    await paste(page, big);
    await page.locator('[data-testid=notice]').filter({ hasText: 'Autosave is paused' }).waitFor({ timeout: 60000 });
    await page.waitForFunction(() => document.querySelector('.app')?.dataset.analysedBy === 'worker', null, { timeout: 120000 });
    assert.ok(await page.locator('[data-testid=finding][data-code=QRY101]').count() > 0);
    await page.locator('[data-testid=file-tab]', { hasText: 'shop/models.py' }).click();
    assert.match(await page.locator('[data-testid=editor]').inputValue(), /class Order/);
  });
}
