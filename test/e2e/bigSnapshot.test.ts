/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeBigSnapshot } from '../helpers/bigSnapshot';
import type { BigSnapshot } from '../helpers/bigSnapshot';
import { describeWithBrowser, launchBrowser, saveScreenshot } from '../helpers/browser';
import type { BrowserSession } from '../helpers/browser';
import { startServeProcess } from '../helpers/serveProcess';
import type { ServeProcess } from '../helpers/serveProcess';
import { byTestId, countIn, navTo, openApp, setField, waitIdle } from './ui';

// Scenario (f): `serve --snapshot` of a 30k-Service cluster. The Services list must be
// virtualized: searching and scrolling to the end work, and the DOM holds a screenful of rows,
// not 30k. (No timing asserts: the generous timeouts are the only clock.)

const MAX_DOM_ROWS = 200;

describeWithBrowser('e2e: a 30k-Service snapshot in the browser', () => {
  let big: BigSnapshot;
  let serve: ServeProcess;
  let b: BrowserSession;

  beforeAll(async () => {
    big = writeBigSnapshot();
    serve = await startServeProcess({ snapshot: big.dir }, 240_000);
    b = await launchBrowser();
    await openApp(b.page, serve);
  }, 400_000);

  afterAll(async () => {
    await b?.close();
    await serve?.stop();
    big?.cleanup();
  });

  const rows = () => byTestId(b.page, 'service-row');
  const row = (key: string) => b.page.locator(`[data-testid="service-row"][data-key="${key}"]`);
  const shownCount = async (): Promise<number> => countIn((await byTestId(b.page, 'services-count').textContent()) ?? '');

  it('opens the snapshot given on the command line with its findings', async () => {
    const { page } = b;
    await byTestId(page, 'finding-row').first().waitFor({ timeout: 120_000 });
    const found = await byTestId(page, 'finding-row').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-check')} ${e.getAttribute('data-service')}`));
    expect(found).toEqual(
      expect.arrayContaining([`stale-backend ${big.faults.stale}`, `missing-backend ${big.faults.missing}`, `service-not-programmed ${big.faults.notProgrammed}`]),
    );
  });

  it('counts every Service and renders only a screenful of rows', async () => {
    const { page } = b;
    await navTo(page, 'services');
    await rows().first().waitFor();
    await expect.poll(shownCount, { timeout: 60_000 }).toBe(big.services);
    expect(await byTestId(page, 'services-count').textContent()).toMatch(/services/i);
    expect(await rows().count()).toBeLessThan(MAX_DOM_ROWS);
    await saveScreenshot(page, 'services-30k');
  });

  it('narrows the list as a search is typed', async () => {
    const { page } = b;
    await setField(byTestId(page, 'services-search'), 'svc-2999');
    await expect.poll(shownCount, { timeout: 60_000 }).toBe(9); // svc-29990 .. svc-29998
    await row('ns-0299/svc-29990').waitFor();
    expect(await rows().count()).toBe(9);
    await setField(byTestId(page, 'services-search'), '');
    await expect.poll(shownCount, { timeout: 60_000 }).toBe(big.services);
  });

  it('renders the last Service after scrolling the list to the bottom', async () => {
    const { page } = b;
    const list = byTestId(page, 'services-list');
    expect(await row(big.last).count()).toBe(0);
    // Scroll the element that actually scrolls: the list itself or its first scrollable descendant.
    await list.evaluate((el) => {
      const all = [el, ...el.querySelectorAll('*')] as HTMLElement[];
      const scroller = all.find((e) => e.scrollHeight > e.clientHeight + 10 && /(auto|scroll)/.test(getComputedStyle(e).overflowY)) ?? el;
      scroller.scrollTop = scroller.scrollHeight;
      scroller.dispatchEvent(new Event('scroll'));
    });
    await row(big.last).waitFor({ timeout: 30_000 });
    expect(await row(big.last).isVisible()).toBe(true);
    expect(await rows().count()).toBeLessThan(MAX_DOM_ROWS);
  });

  it('opens a Service detail with its stale backend from the big list', async () => {
    const { page } = b;
    await setField(byTestId(page, 'services-search'), big.faults.stale);
    await row(big.faults.stale).click();
    await byTestId(page, 'view-service-detail').waitFor();
    await waitIdle(page);
    const stale = page.locator(`[data-testid="port-node"][data-node="${big.node}"] [data-testid="backend-row"][data-mark="STALE"]`);
    await stale.first().waitFor();
    expect(await stale.first().getAttribute('data-endpoint')).toBe('100.127.255.250:8080');
  });

  it('logged no page errors, console errors or failed requests', () => {
    expect(b.pageErrors).toEqual([]);
    expect(b.consoleErrors).toEqual([]);
    expect(b.failedRequests).toEqual([]);
  });
});
