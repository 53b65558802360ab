// The live page in a real browser: Debian's chromium driven by playwright-core.
//   node live_page.mjs URL SCREENSHOT
// URL is a running orderbook's page (fake Binance, two symbols, 5sec rollover). Prints one
// line per check and "N passed, N failed"; exits 1 when a check failed.
import { chromium } from 'playwright-core';

const [url, shot] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const results = [];
function check(name, ok, detail) {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const trim = (s) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
const loopback = (u) => {
  if (u.startsWith('data:') || u.startsWith('about:')) return true;
  const h = new URL(u).hostname;
  return h === '127.0.0.1' || h === 'localhost' || h === '[::1]';
};

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let exitCode = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1250 } });
  const consoleErrors = [], outside = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => { if (!loopback(r.url())) outside.push(r.url()); });
  page.on('websocket', (ws) => { if (!loopback(ws.url())) outside.push(ws.url()); });

  // orderbook starts its server within a moment of starting: wait for it (bounded).
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) break; } catch (e) { /* not listening yet */ }
    await sleep(100);
  }
  await page.goto(url);
  const card = (s) => page.locator(`section.book[data-symbol="${s}"]`);
  const live = async (s) => {
    await card(s).waitFor({ timeout: 15000 });
    await page.waitForFunction(
      (sym) => document.querySelector(`section.book[data-symbol="${sym}"] .state`)?.textContent === 'live',
      s, { timeout: 20000 });
  };
  let both = true;
  for (const s of ['BTCUSDT', 'ETHUSDT']) {
    try { await live(s); } catch (e) { both = false; }
  }
  check('both symbols appear, synced', both);

  // The bid shown equals /api/book's at the same update id (both come from one published view).
  let same = false, detail = '';
  for (let i = 0; i < 20 && !same; i++) {
    const shown = await card('BTCUSDT').evaluate((el) => ({
      bid: el.querySelector('.best-bid').textContent, uid: el.querySelector('.uid').textContent }));
    const api = await (await fetch(new URL('/api/book?symbol=BTCUSDT&depth=1', url))).json();
    detail = `page ${shown.bid} at ${shown.uid}, api ${api.bids[0]?.[0]} at ${api.lastUpdateId}`;
    if (String(api.lastUpdateId) === shown.uid) same = trim(api.bids[0][0]) === shown.bid;
    else await sleep(150);
  }
  check('best bid equals /api/book at the same update id', same, detail);

  const state = () => card('BTCUSDT').evaluate((el) => ({
    uid: el.querySelector('.uid').textContent,
    ladder: el.querySelector('.ladder tbody').innerHTML,
    messages: document.getElementById('h-messages').textContent }));
  // Polled, not slept once: on a loaded machine an update may come a little late.
  const file0 = await page.locator('#current-file').textContent();
  const t0 = Date.now();
  const before = await state();
  let after = before;
  await sleep(3000);
  for (let i = 0; i < 50; i++) {
    after = await state();
    if (after.uid !== before.uid && after.messages !== before.messages) break;
    await sleep(100);
  }
  check('values change over 3 s', before.uid !== after.uid && before.messages !== after.messages,
        `update id ${before.uid} -> ${after.uid} in ${Date.now() - t0} ms`);
  let file1 = file0;
  while (Date.now() - t0 < 15000) {
    file1 = await page.locator('#current-file').textContent();
    if (file1 !== file0) break;
    await sleep(200);
  }
  check('the file being written changes within 5 s or so (5sec rollover)',
        /^\d{13,14}\.txt$/.test(file0) && /^\d{13,14}\.txt$/.test(file1) && file0 !== file1,
        `${file0} -> ${file1} in ${Date.now() - t0} ms`);
  const legs = await page.locator('#h-legs').textContent();
  const weight = await page.locator('#h-weight').textContent();
  check('capture health shows legs up of wanted and the REST weight used',
        /^\d+ of \d+$/.test(legs) && /^\d+$/.test(weight) && Number(weight) > 0,
        `legs "${legs}", weight "${weight}"`);
  const rows = await page.locator('#file-list tbody tr').allTextContents();
  check('the previous file is listed with its size', rows.some((r) => r.startsWith(file0) && /\d+$/.test(r)),
        rows.slice(0, 3).join(' '));
  const listed = await page.locator('#file-list tbody tr').count();
  check('the last files are listed with sizes', listed >= 2, `${listed} files`);
  check('no request leaves loopback', outside.length === 0, outside.join(' '));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
  if (shot) {
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
  }
} catch (e) {
  check('the page loads and runs', false, String(e));
} finally {
  await browser.close();
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : exitCode);
