import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { describeWithTools } from './requireTool';

// Real Chromium for the end-to-end tests (test/e2e), driven with playwright-core. The Debian
// chromium package is used as is (no browser download): a fresh profile per launch, no
// background traffic, nothing that phones home, so every request the page makes is one the app
// made. Console errors, page errors and failed requests are collected for the tests to assert on.

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The tool name describeWithTools checks on PATH. */
export const CHROMIUM_TOOL = 'chromium';
export const VIEWPORT = { width: 1440, height: 900 } as const;
export const ARTIFACTS = resolve(__dirname, '..', '..', 'test-artifacts');
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots');

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** `console.error` messages (text, with the source URL when known). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Requests that failed at the network level (`method url: reason`). */
  failedRequests: string[];
  /** Responses with status >= 400 (`status method url`). */
  errorResponses: string[];
  /** Clears the four lists (after a step that fails on purpose). */
  clearDiagnostics(): void;
  close(): Promise<void>;
}

/** `describe` that runs when Chromium is installed; skips with the reason otherwise, fails under CI=true. */
export function describeWithBrowser(title: string, body: () => void): void {
  describeWithTools([CHROMIUM_TOOL], title, body);
}

export async function launchBrowser(): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'proxyscope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: VIEWPORT,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const session: BrowserSession = {
    context,
    page,
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    errorResponses: [],
    clearDiagnostics() {
      session.consoleErrors.length = 0;
      session.pageErrors.length = 0;
      session.failedRequests.length = 0;
      session.errorResponses.length = 0;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
  const watch = (p: Page): void => {
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location().url;
      session.consoleErrors.push(where ? `${msg.text()} (${where})` : msg.text());
    });
    p.on('pageerror', (err) => session.pageErrors.push(err.stack ?? err.message));
  };
  watch(page);
  context.on('page', watch);
  context.on('requestfailed', (req) => {
    session.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'failed'}`);
  });
  context.on('response', (res) => {
    if (res.status() >= 400) session.errorResponses.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return session;
}

/** Saves a full-viewport PNG to test-artifacts/screenshots/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false, animations: 'disabled' });
  return path;
}
