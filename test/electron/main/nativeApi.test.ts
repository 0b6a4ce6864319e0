import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow, BrowserWindowConstructorOptions, Dialog, SafeStorage, Shell } from 'electron';
import { fail, ok } from '../../../core/common/contract';
import { createNativeApi, safeFileName } from '../../../electron/main/nativeApi';
import type { NativeApi } from '../../../electron/main/nativeApi';
import { PDF_PARTITION } from '../../../electron/main/pdf';
import type { PtyHost } from '../../../electron/main/pty/ptyHost';
import { checkExternalUrl } from '../../../electron/main/externalUrl';
import { passphraseSecretName } from '../../../electron/main/scanSecrets';
import { createSecretStore } from '../../../electron/main/secrets';
import type { SecretStore } from '../../../electron/main/secrets';
import type { ElectronStub } from '../electronStub';
import { FakeBrowserWindow, asElectron, createElectronStub } from '../electronStub';
import { fakeBackend } from '../fakeBackend';
import type { FakeBackend } from '../fakeBackend';

// The desktop-only Api methods: dialogs, PDF, links, terminals, forgetting a key passphrase.

let e: ElectronStub;
let backend: FakeBackend;
let pty: { [K in keyof PtyHost]: ReturnType<typeof vi.fn> };
let api: NativeApi;
let dir: string;
let win: FakeBrowserWindow;

beforeEach(() => {
  e = createElectronStub();
  backend = fakeBackend();
  dir = mkdtempSync(join(tmpdir(), 'proxyscope-native-'));
  win = new FakeBrowserWindow({});
  pty = {
    open: vi.fn(() => ok({ terminalId: 'term-1' })),
    input: vi.fn(() => ok(true)),
    resize: vi.fn(() => ok(true)),
    close: vi.fn(() => ok(true)),
    closeAll: vi.fn(),
    count: vi.fn(() => 0),
  };
  api = createNativeApi({
    version: '1.2.3',
    backend,
    pty: pty as unknown as PtyHost,
    window: () => asElectron<BrowserWindow>(win),
    dialog: asElectron<Dialog>(e.dialog),
    shell: asElectron<Shell>(e.shell),
    BrowserWindow: asElectron<new (o: BrowserWindowConstructorOptions) => BrowserWindow>(FakeBrowserWindow),
    platform: 'linux',
    tmpDir: dir,
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openExternal', () => {
  it.each([
    'javascript:alert(document.domain)',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    'ms-msdt:/id PCWDiagnostic',
    'https://trusted.example@evil.example/',
    'not a url',
  ])('refuses %s without asking or opening', async (url) => {
    const r = await api.openExternal({ url });
    expect(r.ok ? 'ok' : r.error.code).toBe('bad-request');
    expect(e.dialog.showMessageBox).not.toHaveBeenCalled();
    expect(e.shell.openExternal).not.toHaveBeenCalled();
  });

  it('asks before opening an https link, showing the normalised URL, and opens it when confirmed', async () => {
    e.dialog.showMessageBox.mockResolvedValueOnce({ response: 0, checkboxChecked: false });
    const r = await api.openExternal({ url: 'https://kubernetes.io/docs/concepts/services-networking/' });
    expect(r).toEqual(ok(true));
    expect(e.dialog.showMessageBox.mock.calls[0][1]).toMatchObject({ detail: 'https://kubernetes.io/docs/concepts/services-networking/', cancelId: 1, defaultId: 1 });
    expect(e.shell.openExternal).toHaveBeenCalledWith('https://kubernetes.io/docs/concepts/services-networking/', { activate: true });
  });

  it('returns false and opens nothing when the person cancels', async () => {
    const r = await api.openExternal({ url: 'http://example.com/' });
    expect(r).toEqual(ok(false));
    expect(e.dialog.showMessageBox).toHaveBeenCalledTimes(1);
    expect(e.shell.openExternal).not.toHaveBeenCalled();
  });

  it('checkExternalUrl normalises hostile-looking but valid http URLs', () => {
    const r = checkExternalUrl('https://example.com/a b\u202e');
    expect(r.ok && r.href).toBe('https://example.com/a%20b%E2%80%AE');
  });
});

describe('dialogs', () => {
  it('writes an exported file where the person chose and returns the path', async () => {
    const target = join(dir, 'out.html');
    e.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target });
    const r = await api.saveFileDialog({ file: { fileName: '../../etc/evil.html', mime: 'text/html', data: '<p>ü</p>', encoding: 'utf8' } });
    expect(r).toEqual(ok(target));
    expect(readFileSync(target, 'utf8')).toBe('<p>ü</p>');
    expect(e.dialog.showSaveDialog.mock.calls[0][1].defaultPath).toBe('evil.html');
  });

  it('decodes base64 exports to bytes', async () => {
    const target = join(dir, 'snap.tar.gz');
    e.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target });
    await api.saveFileDialog({ file: { fileName: 'snap.tar.gz', mime: 'application/gzip', data: Buffer.from([0x1f, 0x8b, 0]).toString('base64'), encoding: 'base64' } });
    expect([...readFileSync(target)]).toEqual([0x1f, 0x8b, 0]);
  });

  it('returns null when the save dialog is cancelled', async () => {
    const r = await api.saveFileDialog({ file: { fileName: 'r.json', mime: 'application/json', data: '{}', encoding: 'utf8' } });
    expect(r).toEqual(ok(null));
  });

  it.each([
    ['a\u0000b.html', 'a_b.html'],
    ['C:\\Windows\\system32\\x.html', 'x.html'],
    ['...', 'fallback'],
    ['', 'fallback'],
  ])('safeFileName(%j) is %j', (name, expected) => {
    expect(safeFileName(name, 'fallback')).toBe(expected);
  });

  it('imports the picked snapshot file through the backend as base64', async () => {
    const file = join(dir, 'cluster.tar.gz');
    writeFileSync(file, Buffer.from([1, 2, 3]));
    e.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [file] });
    const r = await api.openSnapshotDialog();
    expect(r.ok).toBe(true);
    expect(backend.importSnapshot).toHaveBeenCalledWith({ fileName: 'cluster.tar.gz', dataBase64: 'AQID' });
    expect(e.dialog.showOpenDialog.mock.calls[0][1].properties).toEqual(['openFile']);
  });

  it('returns null when the open dialog is cancelled', async () => {
    expect(await api.openSnapshotDialog()).toEqual(ok(null));
    expect(backend.importSnapshot).not.toHaveBeenCalled();
  });

  it('reports an unreadable pick as invalid-snapshot', async () => {
    e.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [join(dir, 'missing.tar.gz')] });
    const r = await api.openSnapshotDialog();
    expect(r.ok ? 'ok' : r.error.code).toBe('invalid-snapshot');
  });

  it('packs a picked folder (macOS) before importing it', async () => {
    const snap = join(dir, 'snap');
    mkdirSync(join(snap, 'nodes', 'n1'), { recursive: true });
    writeFileSync(join(snap, 'nodes', 'n1', 'iptables-save.txt'), '*nat\nCOMMIT\n');
    e.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [snap] });
    await api.openSnapshotDialog();
    const arg = vi.mocked(backend.importSnapshot).mock.calls[0][0];
    expect(arg.fileName).toBe('snap.tar.gz');
    expect(Buffer.from(arg.dataBase64, 'base64').subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});

describe('exportPdf', () => {
  it('prints the HTML report in a hidden window without JavaScript and saves the PDF', async () => {
    const target = join(dir, 'report.pdf');
    e.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target });
    const r = await api.exportPdf({ sessionId: 's1' });
    expect(r).toEqual(ok(target));
    expect(backend.exportReport).toHaveBeenCalledWith({ sessionId: 's1', format: 'html' });
    const pdfWin = FakeBrowserWindow.instances[FakeBrowserWindow.instances.length - 1];
    expect(pdfWin.options).toMatchObject({
      show: false,
      webPreferences: { javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false, offscreen: true, partition: PDF_PARTITION, disableBlinkFeatures: 'Auxclick' },
    });
    expect(pdfWin.destroyed).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('%PDF');
    expect(e.dialog.showSaveDialog.mock.calls[0][1].defaultPath).toBe('proxyscope-report.pdf');
    // Only the report file itself may load.
    let verdict: Record<string, unknown> = {};
    pdfWin.webContents.session.beforeRequest?.({ url: 'https://tracker.example/pixel.png' }, (v) => (verdict = v));
    expect(verdict).toEqual({ cancel: true });
    pdfWin.webContents.session.beforeRequest?.({ url: pdfWin.loadedUrl }, (v) => (verdict = v));
    expect(verdict).toEqual({ cancel: false });
  });

  it('passes a backend error through', async () => {
    vi.mocked(backend.exportReport).mockResolvedValueOnce(fail('not-found', 'no such session'));
    const r = await api.exportPdf({ sessionId: 'nope' });
    expect(r.ok ? 'ok' : r.error.code).toBe('not-found');
  });
});

describe('terminals and appInfo', () => {
  it('opens a terminal at the backend-resolved target', async () => {
    const r = await api.openTerminal({ node: 'n1', cols: 80, rows: 24 });
    expect(r).toEqual(ok({ terminalId: 'term-1' }));
    expect(backend.terminalTarget).toHaveBeenCalledWith({ node: 'n1', cols: 80, rows: 24 });
    expect(pty.open).toHaveBeenCalledWith({ host: '10.0.0.1', port: 22 }, 80, 24);
  });

  it('does not spawn anything when the backend cannot resolve the node', async () => {
    vi.mocked(backend.terminalTarget).mockReturnValueOnce(fail('not-found', 'unknown node'));
    const r = await api.openTerminal({ node: 'nope', cols: 80, rows: 24 });
    expect(r.ok ? 'ok' : r.error.code).toBe('not-found');
    expect(pty.open).not.toHaveBeenCalled();
  });

  it('forwards input, resize and close to the pty host', async () => {
    await api.terminalInput({ terminalId: 'term-1', data: 'ls\r' });
    await api.terminalResize({ terminalId: 'term-1', cols: 120, rows: 40 });
    await api.closeTerminal({ terminalId: 'term-1' });
    expect(pty.input).toHaveBeenCalledWith('term-1', 'ls\r');
    expect(pty.resize).toHaveBeenCalledWith('term-1', 120, 40);
    expect(pty.close).toHaveBeenCalledWith('term-1');
  });

  it('describes the electron runtime', async () => {
    expect(await api.appInfo()).toEqual(ok({ version: '1.2.3', runtime: 'electron', terminals: true, nativeDialogs: true }));
  });
});

describe('forgetPassphrase', () => {
  const nativeWith = (secrets?: SecretStore): NativeApi =>
    createNativeApi({
      version: '1.2.3',
      backend,
      pty: pty as unknown as PtyHost,
      window: () => null,
      dialog: asElectron<Dialog>(e.dialog),
      shell: asElectron<Shell>(e.shell),
      BrowserWindow: asElectron<new (o: BrowserWindowConstructorOptions) => BrowserWindow>(FakeBrowserWindow),
      tmpDir: dir,
      ...(secrets ? { secrets } : {}),
    });

  it('is unsupported without a secret store', async () => {
    const r = await api.forgetPassphrase({ identityFile: '/k/id' });
    expect(r.ok ? 'ok' : r.error.code).toBe('unsupported');
  });

  it('removes the passphrase the secret store keeps for that key', async () => {
    const secrets = createSecretStore(asElectron<SafeStorage>(e.safeStorage), join(dir, 'secrets'), 'linux');
    await secrets.save(passphraseSecretName('/k/id'), 'pw');
    expect(await nativeWith(secrets).forgetPassphrase({ identityFile: '/k/id' })).toEqual(ok(true));
    expect(await secrets.read(passphraseSecretName('/k/id'))).toEqual(ok(null));
    expect(await nativeWith(secrets).forgetPassphrase({ identityFile: '/k/id' })).toEqual(ok(false));
  });
});
