import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_TOOL, launchBrowser, saveScreenshot } from '../helpers/browser';
import type { BrowserSession } from '../helpers/browser';
import { describeWithTools } from '../helpers/requireTool';
import { startServeProcess } from '../helpers/serveProcess';
import type { ServeProcess } from '../helpers/serveProcess';
import { startSshd } from '../helpers/sshd/sshdServer';
import type { SshdServer } from '../helpers/sshd/sshdServer';
import { byTestId, chooseOption, navTo, openApp, setField } from './ui';

// Scenario (e): `serve --allow-terminals`, a real OpenSSH sshd on loopback, and a terminal in
// the browser: xterm.js <- WebSocket <- pty host <- system ssh (argv, known_hosts checked).
// Without --allow-terminals the view only says terminals are off (findingsFlow.test.ts).

describeWithTools([CHROMIUM_TOOL, 'sshd', 'ssh', 'ssh-keygen'], 'e2e: a terminal to a node over SSH in the browser', () => {
  let serve: ServeProcess;
  let b: BrowserSession;
  let sshd: SshdServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proxyscope-e2e-term-'));
    sshd = await startSshd();
    serve = await startServeProcess({ allowTerminals: true });
    b = await launchBrowser();
    await openApp(b.page, serve);
  }, 300_000);

  afterAll(async () => {
    await b?.close();
    await serve?.stop();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const screenText = (): Promise<string> => byTestId(b.page, 'terminal-screen').innerText();

  it('opens an SSH terminal and runs a command in it', async () => {
    const { page } = b;
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
    const view = await navTo(page, 'terminal');
    expect(await byTestId(view, 'terminal-disabled').count()).toBe(0);
    const node = byTestId(page, 'terminal-node');
    if ((await node.count()) > 0) await chooseOption(page, node, 'worker-1');
    await setField(byTestId(page, 'terminal-host'), sshd.host);
    await setField(byTestId(page, 'terminal-port'), String(sshd.port));
    await setField(byTestId(page, 'terminal-user'), sshd.user);
    await setField(byTestId(page, 'terminal-identity'), sshd.clientKey.path);
    await setField(byTestId(page, 'terminal-known-hosts'), knownHosts);
    await byTestId(page, 'terminal-open').click();

    await expect.poll(() => byTestId(page, 'terminal-status').textContent(), { timeout: 30_000 }).toMatch(/connected/i);
    const screen = byTestId(page, 'terminal-screen');
    await screen.click();
    // The prompt first (the shell is ready), then the command.
    await expect.poll(screenText, { timeout: 30_000 }).toMatch(/[$#]\s*$/m);
    // A clean screen for the README screenshot (pasted, one input chunk), then the command whose
    // output proves the round trip, typed key by key as a person would.
    await page.keyboard.insertText('clear');
    await expect.poll(screenText).toMatch(/clear\s*$/);
    await page.keyboard.press('Enter');
    await expect.poll(screenText).not.toContain('Last login');
    await page.keyboard.type('echo proxyscope-$((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(screenText, { timeout: 30_000 }).toContain('proxyscope-42');
    await saveScreenshot(page, 'terminal');
  });

  it('reports the exit status when the remote shell exits', async () => {
    const { page } = b;
    await byTestId(page, 'terminal-screen').click();
    await page.keyboard.type('exit 3');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => byTestId(page, 'terminal-status').textContent(), { timeout: 30_000, message: 'terminal-status after `exit 3`' })
      .toMatch(/exited 3/)
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\nscreen:\n${await screenText()}`);
      });
  });

  it('logged no page errors and no failed requests', () => {
    expect(b.pageErrors).toEqual([]);
    expect(b.failedRequests).toEqual([]);
  });
});
