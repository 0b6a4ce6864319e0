/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import { request } from 'playwright-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchBrowser } from '../helpers/browser';
import type { BrowserSession } from '../helpers/browser';
import { startServeProcess } from '../helpers/serveProcess';
import type { ServeProcess } from '../helpers/serveProcess';
import { HOSTILE, writeHostileSnapshot } from './hostileSnapshot';
import type { HostileSnapshot } from './hostileSnapshot';
import { byTestId, chooseOption, navTo, openApp, setField, waitIdle } from './ui';

// Scenario (g), what only a real browser can show: hostile names, labels and rule comments stay
// inert text in every view (no dialog, no <img>/<svg> from data, no request anywhere but the
// serve origin, no javascript: link, invisible characters shown as <U+XXXX>), and the serve
// token is needed from a context that has no cookie or no header. serve's HTTP rules themselves
// are tested at the HTTP level (test/core/node/serve).

/** What each hostile Service's row shows (invisible characters as <U+XXXX>). */
const ROW_TEXT: Record<keyof typeof HOSTILE, string> = {
  img: HOSTILE.img,
  svg: HOSTILE.svg,
  js: HOSTILE.js,
  bidi: 'gnp<U+202E>.exe',
  escapes: '<U+0007><U+001B>[31mred',
  long: 'a'.repeat(64),
};

interface DomReport {
  imgSrcs: (string | null)[];
  scriptUrls: string[];
  onAttributes: string[];
  text: string;
  scrollWidth: number;
}

describeWithBrowser('e2e: hostile snapshot data stays inert text in the browser', () => {
  let hostile: HostileSnapshot;
  let serve: ServeProcess;
  let b: BrowserSession;
  const dialogs: string[] = [];
  const requests: string[] = [];
  const sockets: string[] = [];

  beforeAll(async () => {
    hostile = writeHostileSnapshot();
    serve = await startServeProcess({ snapshot: hostile.dir });
    b = await launchBrowser();
    const watch = (p: Page): void => {
      p.on('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => undefined);
      });
      p.on('websocket', (ws) => sockets.push(ws.url()));
    };
    watch(b.page);
    b.context.on('page', watch);
    b.context.on('request', (r) => requests.push(r.url()));
    await openApp(b.page, serve);
  }, 300_000);

  afterAll(async () => {
    await b?.close();
    await serve?.stop();
    hostile?.cleanup();
  });

  async function domReport(page: Page): Promise<DomReport> {
    return page.evaluate(() => {
      const all = [...document.querySelectorAll('*')];
      const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data'];
      return {
        imgSrcs: [...document.querySelectorAll('img, image')].map((i) => i.getAttribute('src') ?? i.getAttribute('href')),
        scriptUrls: all.flatMap((el) => urlAttrs.map((a) => el.getAttribute(a) ?? '').filter((v) => /^\s*(javascript|vbscript|data:text\/html)/i.test(v))),
        onAttributes: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
        text: document.body.innerText,
        scrollWidth: document.documentElement.scrollWidth,
      };
    });
  }

  /** Everything that must hold in any view with hostile data on screen. */
  async function expectInert(where: string): Promise<DomReport> {
    const { page } = b;
    await waitIdle(page);
    const r = await domReport(page);
    expect(dialogs, where).toEqual([]);
    for (const src of r.imgSrcs) expect(src ?? '', `${where}: <img> from data`).toMatch(new RegExp(`^(data:|${serve.origin}/|/|\\./)`));
    expect(r.imgSrcs, where).not.toContain('x');
    expect(r.scriptUrls, where).toEqual([]);
    expect(r.onAttributes, where).toEqual([]);
    expect(r.text, `${where}: raw bidi override or escape on screen`).not.toMatch(/[\u202e\u001b\u0007]/);
    expect(r.scrollWidth, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(1440 + 16);
    expect(requests.filter((u) => !u.startsWith(`${serve.origin}/`) && !/^(data|blob):/.test(u)), where).toEqual([]);
    expect(sockets.filter((u) => !u.startsWith(`ws://127.0.0.1:${serve.port}/`)), where).toEqual([]);
    expect(b.pageErrors, where).toEqual([]);
    return r;
  }

  it('keeps hostile strings as text in the Findings list and every finding detail', async () => {
    const { page } = b;
    await byTestId(page, 'finding-row').first().waitFor();
    const r = await expectInert('findings');
    expect(r.text).toContain(HOSTILE.img);
    expect(r.text).toContain(HOSTILE.svg);
    const count = await byTestId(page, 'finding-row').count();
    expect(count).toBeGreaterThanOrEqual(5);
    for (let i = 0; i < count; i++) {
      await byTestId(page, 'finding-row').nth(i).click();
      await byTestId(page, 'finding-detail').waitFor();
      await expectInert(`finding ${i}`);
    }
    const all = (await domReport(page)).text;
    expect(all).toContain('<U+202E>');
  });

  it('keeps hostile strings as text in the Services list', async () => {
    const { page } = b;
    await navTo(page, 'services');
    await byTestId(page, 'service-row').first().waitFor();
    const r = await expectInert('services');
    expect(r.text).toContain(HOSTILE.js);
    expect(r.text).toContain('<U+202E>');
    expect(r.text).toContain('<U+001B>');
  });

  it.each(Object.keys(HOSTILE) as (keyof typeof HOSTILE)[])('keeps the %s Service detail inert', async (key) => {
    const { page } = b;
    await navTo(page, 'services');
    await page.locator('[data-testid="service-row"]').filter({ hasText: ROW_TEXT[key] }).first().click();
    await byTestId(page, 'view-service-detail').waitFor();
    // The 10k-character name too: the API's argument cap (16 KiB) only bounds memory.
    await byTestId(page, 'service-port').first().waitFor();
    expect(await page.evaluate(() => decodeURIComponent(location.hash))).toContain(hostile.services[key].split('/')[1].slice(0, 50));
    await expectInert(`service detail ${key}`);
  });

  it('keeps hostile rule comments as text in the Rules view', async () => {
    const { page } = b;
    await navTo(page, 'rules');
    await chooseOption(page, byTestId(page, 'rules-node'), hostile.node);
    await byTestId(page, 'rule-line').first().waitFor();
    await setField(byTestId(page, 'rules-search'), 'onerror=alert(4)');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await domReport(page)).text).toContain('<img src=x onerror=alert(4)>');
    await expectInert('rules');
  });

  it('gives 401 to a context without the cookie, to a request without the header, and to localhost without a cookie', async () => {
    const anon = await request.newContext();
    try {
      expect((await anon.get(`${serve.origin}/`, { maxRedirects: 0 })).status()).toBe(401);
      expect((await anon.get(`${serve.origin}/?token=not-the-token`, { maxRedirects: 0 })).status()).toBe(401);
      expect((await anon.post(`${serve.origin}/api/appInfo`, { headers: { 'x-proxyscope-token': 'not-the-token' } })).status()).toBe(401);
    } finally {
      await anon.dispose();
    }
    const { page } = b;
    const noHeader = await page.evaluate(async () => (await fetch('/api/appInfo', { method: 'POST' })).status);
    expect(noHeader).toBe(401);
    const wsOpened = await page.evaluate(
      (port) =>
        new Promise<boolean>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`);
          ws.onopen = () => {
            ws.close();
            resolve(true);
          };
          ws.onerror = () => resolve(false);
          ws.onclose = () => resolve(false);
        }),
      serve.port,
    );
    expect(wsOpened).toBe(false);
    const other = await b.context.newPage();
    const res = await other.goto(`http://localhost:${serve.port}/`);
    expect(res?.status()).toBe(401);
    await other.close();
    expect(dialogs).toEqual([]);
  });
});
