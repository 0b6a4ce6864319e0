/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import type { Locator, Page } from 'playwright-core';
import type { ServeProcess } from '../helpers/serveProcess';

// Driving the app through the data-testid contract (brief ISSUE5.md). Form controls may be
// native elements or element-plus components (whose testid lands on a wrapper), so the helpers
// here accept both.

export type View = 'findings' | 'services' | 'nodes' | 'rules' | 'trace' | 'compare' | 'clusters' | 'terminal';

export const byTestId = (page: Page | Locator, id: string): Locator => page.getByTestId(id);

/** Opens the printed URL (token -> cookie -> redirect to /) and waits for the first session. */
export async function openApp(page: Page, serve: ServeProcess): Promise<void> {
  await page.goto(serve.url);
  await byTestId(page, 'session-title').waitFor({ state: 'visible' });
  await waitIdle(page);
}

/** Waits until no `busy-indicator` is visible. */
export async function waitIdle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="busy-indicator"]')].every((el) => !(el as HTMLElement).offsetParent),
    undefined,
    { timeout },
  );
}

export async function navTo(page: Page, view: View): Promise<Locator> {
  await byTestId(page, `nav-${view}`).click();
  const root = byTestId(page, `view-${view}`);
  await root.waitFor({ state: 'visible' });
  await waitIdle(page);
  return root;
}

/** The <input>/<textarea> behind a testid: the element itself, or the one inside it. */
export async function inputOf(target: Locator): Promise<Locator> {
  const tag = await target.evaluate((el) => el.tagName.toLowerCase());
  return tag === 'input' || tag === 'textarea' ? target : target.locator('input, textarea').first();
}

export async function setField(target: Locator, value: string): Promise<void> {
  await (await inputOf(target)).fill(value);
}

/**
 * Picks an option of a native <select> (by value, else by label) or of an element-plus
 * el-select (opens it and clicks the visible option whose text matches `label`).
 */
export async function chooseOption(page: Page, target: Locator, label: string | RegExp): Promise<void> {
  const tag = await target.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'select') {
    const options = await target.locator('option').evaluateAll((els) => els.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent?.trim() ?? '' })));
    const hit = options.find((o) => (typeof label === 'string' ? o.value === label || o.text === label : label.test(o.text) || label.test(o.value)));
    if (!hit) throw new Error(`no option ${String(label)} in select; options: ${options.map((o) => o.text).join(' | ')}`);
    await target.selectOption(hit.value);
    return;
  }
  await target.click();
  const item = page.locator('.el-select-dropdown__item:visible, [role="option"]:visible').filter({ hasText: label }).first();
  await item.click();
}

/** Texts of the options a select offers (native or element-plus). */
export async function optionTexts(page: Page, target: Locator): Promise<string[]> {
  const tag = await target.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'select') return target.locator('option').evaluateAll((els) => els.map((o) => o.textContent?.trim() ?? ''));
  await target.click();
  const items = page.locator('.el-select-dropdown__item:visible, [role="option"]:visible');
  await items.first().waitFor();
  const texts = (await items.allTextContents()).map((t) => t.trim());
  await page.keyboard.press('Escape');
  return texts;
}

/** Parses "N services" (thousands separators allowed). */
export function countIn(text: string): number {
  const m = /([\d][\d,.\s\u202f]*)/.exec(text);
  if (!m) throw new Error(`no number in ${JSON.stringify(text)}`);
  return Number(m[1].replace(/[^\d]/g, ''));
}

/** Reads the session's analysis through the same HTTP API the app uses (token from the page's meta tag). */
export async function apiCall<T>(page: Page, method: string, arg?: unknown): Promise<T> {
  const res = await page.evaluate(
    async ({ method, arg, hasArg }) => {
      const token = document.querySelector('meta[name="proxyscope-token"]')?.getAttribute('content') ?? '';
      const r = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-proxyscope-token': token },
        body: hasArg ? JSON.stringify(arg) : undefined,
      });
      return (await r.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
    },
    { method, arg, hasArg: arg !== undefined },
  );
  if (!res.ok) throw new Error(`api ${method} failed: ${res.error?.message}`);
  return res.value as T;
}
