import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// PDF export: the HTML report (core/common/report/renderHtml, every cluster string escaped) is
// printed by a hidden, offscreen window that has JavaScript switched off, its own in-memory
// session, and may load nothing but the report file itself. So even a report that somehow
// carried markup could not run code or call home while it is being printed.

export const PDF_PARTITION = 'proxyscope-pdf';

export async function htmlToPdf(
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow,
  html: string,
  tmpDir: string,
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpDir, 'proxyscope-pdf-'));
  const file = join(dir, 'report.html');
  let win: BrowserWindow | null = null;
  try {
    await writeFile(file, html, { encoding: 'utf8', mode: 0o600 });
    const fileUrl = pathToFileURL(file).href;
    // Inline literal so Electronegativity can check it (see window.ts).
    win = new BrowserWindow({
      show: false,
      width: 1024,
      height: 1400,
      webPreferences: {
        javascript: false,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
        // Middle-click opens links in new windows; nothing here should open anything.
        disableBlinkFeatures: 'Auxclick',
        offscreen: true,
        partition: PDF_PARTITION,
      },
    });
    const contents = win.webContents;
    contents.session.setPermissionRequestHandler((_wc, _p, cb) => cb(false));
    contents.session.webRequest.onBeforeRequest((details, cb) => cb({ cancel: details.url !== fileUrl && !details.url.startsWith('data:') }));
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    await win.loadURL(fileUrl);
    return await contents.printToPDF({ printBackground: true, pageSize: 'A4' });
  } finally {
    if (win && !win.isDestroyed()) win.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
