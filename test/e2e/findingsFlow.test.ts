import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchBrowser, saveScreenshot } from '../helpers/browser';
import type { BrowserSession } from '../helpers/browser';
import { REPO, startServeProcess } from '../helpers/serveProcess';
import type { ServeProcess } from '../helpers/serveProcess';
import { byTestId, navTo, openApp, waitIdle } from './ui';

// Scenario (a): from a finding on the demo to the rule that proves it. The demo's worker-2 still
// load-balances shop/web to 10.244.1.5:8080, a deleted pod (assets/demo/README.md).

const STALE_NODE = 'worker-2';
const STALE_ENDPOINT = '10.244.1.5:8080';

/** Two contexts for the Clusters view (never contacted: no scan is started). */
const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: prod-eu
clusters:
  - name: prod-eu
    cluster: { server: 'https://127.0.0.1:1' }
  - name: staging
    cluster: { server: 'https://127.0.0.1:2' }
users:
  - name: admin
    user: { token: not-a-real-token }
  - name: eks
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: aws
        args: [eks, get-token, --cluster-name, staging]
        env: [{ name: AWS_PROFILE, value: secret-profile-value }]
contexts:
  - name: prod-eu
    context: { cluster: prod-eu, user: admin }
  - name: staging
    context: { cluster: staging, user: eks }
`;

/** Line `n` (1-based) of a demo node's file, as it is on disk. */
function demoLine(node: string, file: string, n: number): string {
  return readFileSync(join(REPO, 'assets', 'demo', 'nodes', node, file), 'utf8').split('\n')[n - 1];
}

/** A rule line's text without its line-number gutter (`data-line`). */
async function ruleText(line: Locator): Promise<string> {
  const n = (await line.getAttribute('data-line')) ?? '';
  const text = (await line.textContent()) ?? '';
  return (text.trimStart().startsWith(n) ? text.trimStart().slice(n.length) : text).trim();
}

describeWithBrowser('e2e: a stale backend on the demo, from finding to rule', () => {
  let serve: ServeProcess;
  let b: BrowserSession;

  beforeAll(async () => {
    serve = await startServeProcess({ kubeconfig: KUBECONFIG });
    b = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await b?.close();
    await serve?.stop();
  });

  it('opens on the demo with its findings listed', async () => {
    const { page } = b;
    await openApp(page, serve);
    await expect.poll(() => byTestId(page, 'session-title').textContent()).toMatch(/demo/i);
    await byTestId(page, 'view-findings').waitFor();
    await byTestId(page, 'finding-row').first().waitFor();
    expect(await byTestId(page, 'finding-row').count()).toBeGreaterThan(3);
    const checks = await byTestId(page, 'finding-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-check')));
    expect(checks).toEqual(expect.arrayContaining(['stale-backend', 'not-ready-backend', 'service-not-programmed', 'orphan-rules']));
  });

  it('filters the findings by the search text', async () => {
    const { page } = b;
    const all = await byTestId(page, 'finding-row').count();
    const search = byTestId(page, 'findings-search');
    const input = (await search.evaluate((el) => el.tagName === 'INPUT')) ? search : search.locator('input').first();
    await input.fill('payments-api');
    await expect.poll(() => byTestId(page, 'finding-row').count()).toBeLessThan(all);
    const services = await byTestId(page, 'finding-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')));
    expect(services.length).toBeGreaterThan(0);
    for (const s of services) expect(s).toContain('payments-api');
    await input.fill('');
    await expect.poll(() => byTestId(page, 'finding-row').count()).toBe(all);
  });

  it('shows the stale backend finding with its message, next steps and evidence', async () => {
    const { page } = b;
    const row = page.locator(`[data-testid="finding-row"][data-check="stale-backend"][data-node="${STALE_NODE}"]`).first();
    await expect.poll(() => row.getAttribute('data-service')).toBe('shop/web');
    expect(await row.getAttribute('data-severity')).toMatch(/^(critical|high)$/);
    await row.click();
    const detail = byTestId(page, 'finding-detail');
    await detail.waitFor();
    await expect.poll(() => detail.textContent()).toContain(STALE_ENDPOINT);
    expect(await detail.textContent()).toContain('kubectl');
    expect(await byTestId(detail, 'evidence-line').count()).toBeGreaterThan(0);
    await saveScreenshot(page, 'findings');
  });

  /** Clicks an evidence line and checks the Rules view opened at exactly that line of the file. */
  async function followEvidence(evidence: Locator): Promise<void> {
    const { page } = b;
    const evidenceText = (await evidence.textContent()) ?? '';
    await evidence.click();
    await byTestId(page, 'view-rules').waitFor();
    await waitIdle(page);
    const hash = new URL(page.url()).hash; // #/rules/<node>?file=<name>&line=<n>
    const m = /^#\/rules\/([^?]+)\?(.*)$/.exec(hash);
    expect(m, `rules route: ${hash}`).not.toBeNull();
    expect(decodeURIComponent(m![1])).toBe(STALE_NODE);
    const query = new URLSearchParams(m![2]);
    const file = query.get('file')!;
    const line = Number(query.get('line'));
    expect(file).toBe('iptables-save.txt');
    expect(line).toBeGreaterThan(0);
    const raw = demoLine(STALE_NODE, file, line);
    expect(raw).toContain(STALE_ENDPOINT.split(':')[0]);
    expect(evidenceText).toContain(raw.slice(0, 40));

    const target = page.locator('[data-testid="rule-line"][data-target="true"]');
    await target.waitFor();
    expect(await target.count()).toBe(1);
    expect(await target.getAttribute('data-line')).toBe(String(line));
    expect(await ruleText(target)).toBe(raw);
    await expect.poll(() => target.isVisible()).toBe(true);
  }

  it('opens the Rules view at the exact line of an evidence entry of the finding', async () => {
    const { page } = b;
    const detail = byTestId(page, 'finding-detail');
    await followEvidence(byTestId(detail, 'evidence-line').filter({ hasText: '-j KUBE-SEP-' }).first());
    await saveScreenshot(page, 'rules');
  });

  it('labels the chains with their Service and jumps from a rule to the chain it targets', async () => {
    const { page } = b;
    // The chain list is virtualized: narrow it when the view offers a filter (not in the contract).
    const filter = byTestId(page, 'chain-filter');
    if ((await filter.count()) > 0) await filter.fill('shop/web');
    const labels = page.locator('[data-testid="chain-label"][data-chain^="KUBE-SVC-"]').filter({ hasText: 'shop/web' });
    await labels.first().waitFor();
    const target = page.locator('[data-testid="rule-line"][data-target="true"]');
    const link = byTestId(target, 'chain-link').last();
    const chain = ((await link.textContent()) ?? '').trim();
    expect(chain).toMatch(/^KUBE-(SEP|SVC|SVL|EXT|FW|MARK)/);
    await link.click();
    await expect.poll(() => ruleText(page.locator('[data-testid="rule-line"][data-target="true"]'))).toMatch(
      new RegExp(`^(:${chain} |-A ${chain} |-N ${chain}$)`),
    );
  });

  it('follows the Service link to a STALE backend row and its evidence to the exact rule line', async () => {
    const { page } = b;
    await navTo(page, 'findings');
    await page.locator(`[data-testid="finding-row"][data-check="stale-backend"][data-node="${STALE_NODE}"]`).first().click();
    await byTestId(byTestId(page, 'finding-detail'), 'finding-service-link').first().click();
    const view = byTestId(page, 'view-service-detail');
    await view.waitFor();
    await waitIdle(page);
    expect(await view.textContent()).toContain('shop/web');
    const stale = page.locator(`[data-testid="port-node"][data-node="${STALE_NODE}"] [data-testid="backend-row"][data-mark="STALE"]`).first();
    await stale.waitFor();
    expect(await stale.getAttribute('data-endpoint')).toBe(STALE_ENDPOINT);
    await page.locator(`[data-testid="port-node"][data-node="${STALE_NODE}"]`).first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await saveScreenshot(page, 'service-detail');
    await followEvidence(byTestId(stale, 'evidence-line').first());
  });

  it('logged no page errors, console errors or failed requests', () => {
    expect(b.pageErrors).toEqual([]);
    expect(b.consoleErrors).toEqual([]);
    expect(b.failedRequests).toEqual([]);
    expect(b.errorResponses).toEqual([]);
  });

  it('lists the Services', async () => {
    const { page } = b;
    await navTo(page, 'services');
    await page.locator('[data-testid="service-row"][data-key="shop/web"]').waitFor();
    // 20 Services in cluster.json, plus shop/legacy-search: deleted, but worker-3 still has its rules.
    await page.locator('[data-testid="service-row"][data-key="shop/legacy-search"]').waitFor();
    expect(await byTestId(page, 'services-count').textContent()).toMatch(/^\s*21 services\s*$/);
    await saveScreenshot(page, 'services');
  });

  it('lists the nodes with their proxy modes', async () => {
    const { page } = b;
    const nodes = await navTo(page, 'nodes');
    await byTestId(nodes, 'node-row').first().waitFor();
    const modes = await byTestId(nodes, 'node-row').evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-node'), r.getAttribute('data-mode')])));
    expect(modes).toEqual({ 'cp-1': 'iptables', 'worker-1': 'iptables', 'worker-2': 'iptables', 'worker-3': 'iptables', 'worker-4': 'nftables', 'worker-5': 'ipvs' });
    await saveScreenshot(page, 'nodes');
  });

  it('lists the kubeconfig contexts', async () => {
    const { page } = b;
    const clusters = await navTo(page, 'clusters');
    await byTestId(clusters, 'context-row').first().waitFor();
    const contexts = await byTestId(clusters, 'context-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-context')));
    expect(contexts).toEqual(['prod-eu', 'staging']);
    await saveScreenshot(page, 'clusters');
  });

  it('asks before running a context\'s credential plugin, showing command, args and env names only', async () => {
    const { page } = b;
    await byTestId(page.locator('[data-testid="context-row"][data-context="staging"]'), 'context-scan').click();
    const dialog = byTestId(page, 'exec-approval-dialog');
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('aws');
    expect(text).toContain('get-token');
    expect(text).toContain('AWS_PROFILE');
    expect(text).not.toContain('secret-profile-value');
    await saveScreenshot(page, 'exec-approval');
    await byTestId(page, 'exec-deny').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await byTestId(page, 'scan-node-row').count()).toBe(0);
  });

  it('says terminals are off when serve runs without --allow-terminals', async () => {
    const { page } = b;
    const view = await navTo(page, 'terminal');
    await byTestId(view, 'terminal-disabled').waitFor();
    expect(await byTestId(page, 'terminal-open').count()).toBe(0);
  });

  it('logged no page errors or console errors in the other views', () => {
    expect(b.pageErrors).toEqual([]);
    expect(b.consoleErrors).toEqual([]);
  });
});
