import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPORT_CSP } from '../../core/common/report/renderHtml';
import { describeWithBrowser, launchBrowser } from '../helpers/browser';
import type { BrowserSession } from '../helpers/browser';
import { startServeProcess } from '../helpers/serveProcess';
import type { ServeProcess } from '../helpers/serveProcess';
import { byTestId, openApp, waitIdle } from './ui';

// Scenarios (c) and (d): every export downloads a file in the browser (Blob + <a download>);
// the HTML report opens from file:// under its own CSP; the snapshot .tar.gz imports back into
// the same findings; a garbage upload shows an error and leaves the current session alone.

type ExportItem = 'export-html' | 'export-markdown' | 'export-json' | 'export-snapshot';

interface JsonReport {
  counts: Record<string, number>;
  findings: { check: string; node: string | null; service: string | null; endpoint: string | null; title: string }[];
}

describeWithBrowser('e2e: export reports and snapshots, import them back', () => {
  let serve: ServeProcess;
  let b: BrowserSession;
  let dir: string;
  const files: Partial<Record<ExportItem, string>> = {};

  async function download(page: Page, item: ExportItem): Promise<{ path: string; name: string }> {
    await byTestId(page, 'export-menu').click();
    const entry = byTestId(page, item);
    await entry.waitFor({ state: 'visible' });
    const [dl] = await Promise.all([page.waitForEvent('download'), entry.click()]);
    const name = dl.suggestedFilename();
    const path = join(dir, `${Object.keys(files).length}-${name}`);
    await dl.saveAs(path);
    expect(await dl.failure()).toBeNull();
    return { path, name };
  }

  const findingKeys = (r: JsonReport): string[] => r.findings.map((f) => [f.check, f.node, f.service, f.endpoint].join(' ')).sort();
  const rowChecks = (page: Page): Promise<string[]> =>
    byTestId(page, 'finding-row').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-check')} ${r.getAttribute('data-node')} ${r.getAttribute('data-service')}`).sort());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proxyscope-e2e-export-'));
    serve = await startServeProcess();
    b = await launchBrowser();
    await openApp(b.page, serve);
    await byTestId(b.page, 'finding-row').first().waitFor();
  }, 300_000);

  afterAll(async () => {
    await b?.close();
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('downloads the HTML report, which opens from file:// with its findings and its CSP', async () => {
    const { path, name } = await download(b.page, 'export-html');
    files['export-html'] = path;
    expect(name).toMatch(/\.html$/);
    const report = await b.context.newPage();
    const requests: string[] = [];
    report.on('request', (r) => requests.push(r.url()));
    await report.goto(pathToFileURL(path).href);
    const csp = await report.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toBe(REPORT_CSP);
    const text = (await report.locator('body').innerText()) ?? '';
    expect(text).toContain('shop/web');
    expect(text).toContain('10.244.1.5');
    expect(text).toMatch(/stale/i);
    expect(await report.locator('script').count()).toBe(0);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await report.close();
  });

  it('downloads the JSON and Markdown reports with the same findings', async () => {
    const json = await download(b.page, 'export-json');
    files['export-json'] = json.path;
    expect(json.name).toMatch(/\.json$/);
    const report = JSON.parse(readFileSync(json.path, 'utf8')) as JsonReport;
    const total = Object.values(report.counts).reduce((a, n) => a + n, 0);
    expect(report.findings.length).toBe(total);
    expect(report.findings.some((f) => f.check === 'stale-backend' && f.node === 'worker-2' && f.service === 'shop/web')).toBe(true);

    const md = await download(b.page, 'export-markdown');
    files['export-markdown'] = md.path;
    expect(md.name).toMatch(/\.md$/);
    const text = readFileSync(md.path, 'utf8');
    expect(text).toMatch(/^# /m);
    expect(text).toContain('shop/web');
    expect(text).toContain('10.244.1.5');
  });

  it('exports the snapshot as .tar.gz and imports it back to the same findings', async () => {
    const { page } = b;
    const before = JSON.parse(readFileSync(files['export-json']!, 'utf8')) as JsonReport;
    const rowsBefore = await rowChecks(page);
    const titleBefore = await byTestId(page, 'session-title').textContent();

    const snap = await download(page, 'export-snapshot');
    expect(snap.name).toMatch(/\.(tar\.gz|tgz)$/);
    const bytes = readFileSync(snap.path);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);

    await byTestId(page, 'import-file-input').setInputFiles(snap.path);
    await expect.poll(() => byTestId(page, 'session-title').textContent(), { timeout: 60_000 }).not.toBe(titleBefore);
    await waitIdle(page);
    await byTestId(page, 'finding-row').first().waitFor();
    expect(await byTestId(page, 'error-banner').count()).toBe(0);
    expect(await rowChecks(page)).toEqual(rowsBefore);

    const after = JSON.parse(readFileSync((await download(page, 'export-json')).path, 'utf8')) as JsonReport;
    expect(after.counts).toEqual(before.counts);
    expect(findingKeys(after)).toEqual(findingKeys(before));
  });

  it('shows an error for a garbage upload and keeps the current session', async () => {
    const { page } = b;
    const titleBefore = await byTestId(page, 'session-title').textContent();
    const rowsBefore = await rowChecks(page);
    const garbage = join(dir, 'garbage.tar.gz');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    await byTestId(page, 'import-file-input').setInputFiles(garbage);
    const banner = byTestId(page, 'error-banner');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    expect(((await banner.textContent()) ?? '').trim().length).toBeGreaterThan(10);
    await waitIdle(page);
    expect(await byTestId(page, 'session-title').textContent()).toBe(titleBefore);
    expect(await rowChecks(page)).toEqual(rowsBefore);
  });

  it('logged no page errors and no failed requests', () => {
    expect(b.pageErrors).toEqual([]);
    expect(b.failedRequests).toEqual([]);
  });
});
