import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchBrowser, saveScreenshot } from '../helpers/browser';
import type { BrowserSession } from '../helpers/browser';
import { startServeProcess } from '../helpers/serveProcess';
import type { ServeProcess } from '../helpers/serveProcess';
import { byTestId, chooseOption, navTo, openApp, setField } from './ui';

// Scenario (b): a packet trace to a demo ClusterIP taken from the Services list, and the Compare
// view on the Service whose backends differ between two nodes.

interface ClusterIpPort {
  ip: string;
  port: number;
}

/** The first IPv4 address and the first `<port>/tcp` in a service row's text. */
function ipAndPort(rowText: string): ClusterIpPort {
  const ip = /(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/.exec(rowText);
  const port = /(?<!\d)(\d+)\/tcp/i.exec(rowText);
  if (!ip || !port) throw new Error(`no ClusterIP/port in service row: ${rowText}`);
  return { ip: ip[1], port: Number(port[1]) };
}

describeWithBrowser('e2e: trace and compare on the demo', () => {
  let serve: ServeProcess;
  let b: BrowserSession;
  let web: ClusterIpPort;
  let payments: ClusterIpPort;

  beforeAll(async () => {
    serve = await startServeProcess();
    b = await launchBrowser();
    await openApp(b.page, serve);
  }, 300_000);

  afterAll(async () => {
    await b?.close();
    await serve?.stop();
  });

  it('reads ClusterIPs and ports from the Services list', async () => {
    const { page } = b;
    await navTo(page, 'services');
    const row = (key: string) => page.locator(`[data-testid="service-row"][data-key="${key}"]`);
    await row('shop/web').waitFor();
    web = ipAndPort(await row('shop/web').innerText());
    await setField(byTestId(page, 'services-search'), 'payments-api');
    await row('payments/payments-api').waitFor();
    payments = ipAndPort(await row('payments/payments-api').innerText());
    expect(web.ip).toMatch(/^10\.96\./);
    expect(payments).toEqual({ ip: '10.96.0.109', port: 443 });
  });

  async function runTrace(node: string, to: ClusterIpPort): Promise<string[]> {
    const { page } = b;
    await navTo(page, 'trace');
    await chooseOption(page, byTestId(page, 'trace-node'), node);
    await setField(byTestId(page, 'trace-dst'), to.ip);
    await setField(byTestId(page, 'trace-port'), String(to.port));
    const proto = byTestId(page, 'trace-protocol');
    if ((await proto.count()) > 0) await chooseOption(page, proto, /^tcp$/i);
    await byTestId(page, 'trace-run').click();
    await byTestId(page, 'trace-result').waitFor();
    await byTestId(page, 'trace-outcome').first().waitFor();
    expect(await byTestId(page, 'trace-error').count()).toBe(0);
    return byTestId(page, 'trace-outcome').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind') ?? ''));
  }

  it('traces a ClusterIP on an iptables node to a DNAT to one of its backends', async () => {
    const kinds = await runTrace('worker-1', web);
    expect(kinds).toContain('dnat');
    expect(await byTestId(b.page, 'trace-step').count()).toBeGreaterThan(2);
    expect(await byTestId(b.page, 'trace-result').textContent()).toMatch(/10\.244\.\d+\.\d+:8080/);
    await saveScreenshot(b.page, 'trace');
  });

  it('traces the unprogrammed payments-api port on worker-1 to no DNAT at all', async () => {
    const kinds = await runTrace('worker-1', payments);
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds).not.toContain('dnat');
  });

  it('compares shop/web between worker-1 and the stale worker-2', async () => {
    const { page } = b;
    await navTo(page, 'compare');
    await chooseOption(page, byTestId(page, 'compare-service'), 'shop/web');
    await chooseOption(page, byTestId(page, 'compare-port'), /http/);
    await chooseOption(page, byTestId(page, 'compare-node-a'), 'worker-1');
    await chooseOption(page, byTestId(page, 'compare-node-b'), 'worker-2');
    const result = byTestId(page, 'compare-result');
    await result.waitFor();
    await expect.poll(() => result.textContent()).toContain('10.244.1.5');
    await saveScreenshot(page, 'compare');
  });

  it('logged no page errors, console errors or failed requests', () => {
    expect(b.pageErrors).toEqual([]);
    expect(b.consoleErrors).toEqual([]);
    expect(b.failedRequests).toEqual([]);
    expect(b.errorResponses).toEqual([]);
  });
});
