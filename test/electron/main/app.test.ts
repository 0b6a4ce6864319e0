import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiResult } from '../../../core/common/contract';
import { API_METHODS, apiChannel } from '../../../core/common/contract';
import { invokeEvent } from '../electronStub';
import type { FakeWebContents } from '../electronStub';
import type { FakeBackend } from '../fakeBackend';

// The app lifecycle against a stub electron: single-instance lock, sandbox, backend options,
// window, IPC registration, menu, and clean-up before quitting.

const stub = await vi.hoisted(async () => (await import('../electronStub')).createElectronStub());
vi.mock('electron', () => stub);
const created = vi.hoisted(() => ({ backend: null as FakeBackend | null, opts: null as unknown }));
vi.mock('../../../core/node/app/workerBackend', async () => {
  const { fakeBackend } = await import('../fakeBackend');
  return {
    findBackendWorker: (dir: string) => `${dir}/backendWorker.js`,
    createWorkerBackend: (opts: unknown) => {
      created.opts = opts;
      created.backend = fakeBackend();
      return created.backend;
    },
  };
});

const { startApp, snapshotFromArgv } = await import('../../../electron/main/app');
const MAIN_DIR = '/opt/Proxyscope/resources/app.asar/out/main';

describe('startApp', () => {
  let running: ReturnType<typeof startApp>;

  beforeAll(async () => {
    stub.app.appPath = '/work/app';
    running = startApp({ mainDir: MAIN_DIR });
    stub.app.makeReady();
    await running?.ready;
  });

  it('enables the sandbox for every renderer', () => {
    expect(stub.app.sandboxEnabled).toBe(true);
  });

  it('creates the backend in the worker next to the main bundle, with the demo snapshot and the app version', () => {
    expect(created.opts).toMatchObject({ version: '0.1.0-test', demoDir: join('/work/app', 'assets', 'demo'), workerFile: `${MAIN_DIR}/backendWorker.js` });
  });

  it('opens one secure window on the built renderer with the built preload', () => {
    const win = running?.window() as unknown as { options: { webPreferences: Record<string, unknown> }; loadedUrl: string };
    expect(win.loadedUrl).toBe('file:///opt/Proxyscope/resources/app.asar/out/renderer/index.html');
    expect(win.options.webPreferences).toMatchObject({
      preload: join(MAIN_DIR, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
  });

  it('registers every Api channel, answering the window and refusing others', async () => {
    expect([...stub.ipcMain.handlers.keys()].sort()).toEqual(API_METHODS.map(apiChannel).sort());
    const win = running?.window() as unknown as { webContents: FakeWebContents };
    const good = (await stub.ipcMain.invoke(apiChannel('appInfo'), invokeEvent(win.webContents, win.webContents.mainFrame), undefined)) as ApiResult<unknown>;
    expect(good).toEqual({ ok: true, value: { version: '0.1.0-test', runtime: 'electron', terminals: true, nativeDialogs: true } });
    const bad = (await stub.ipcMain.invoke(apiChannel('appInfo'), invokeEvent(win.webContents, win.webContents.subframe('https://x/')), undefined)) as ApiResult<unknown>;
    expect(bad.ok ? 'ok' : bad.error.code).toBe('forbidden');
  });

  it('forwards backend events to the window', () => {
    const win = running?.window() as unknown as { webContents: FakeWebContents };
    created.backend?.emit({ type: 'progress', jobId: 'j', phase: 'analyze', done: 1, total: 2 });
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'api:event', args: [{ type: 'progress', jobId: 'j', phase: 'analyze', done: 1, total: 2 }] });
  });

  it('installs the application menu without developer items in a normal start', () => {
    const labels = JSON.stringify(stub.Menu.template);
    expect(labels).toContain('Open Snapshot');
    expect(labels).not.toContain('toggleDevTools');
  });

  it('locks down every webContents created later (navigation, window.open)', () => {
    const other = new stub.BrowserWindow({});
    expect(other.webContents.tryEvent('will-navigate', 'https://evil.example/')).toBe(true);
    expect(other.webContents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('disposes the backend and removes the IPC handlers before quitting', async () => {
    stub.app.quit();
    await vi.waitFor(() => expect(created.backend?.dispose).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(stub.app.quitCalls).toBe(2));
    expect(stub.ipcMain.handlers.size).toBe(0);
  });
});

describe('second instance', () => {
  it('quits at once when another instance holds the lock', async () => {
    vi.resetModules();
    stub.app.singleInstance = false;
    const before = stub.app.quitCalls;
    const { startApp: start } = await import('../../../electron/main/app');
    expect(start({ mainDir: MAIN_DIR })).toBeNull();
    expect(stub.app.quitCalls).toBe(before + 1);
  });
});

describe('snapshotFromArgv', () => {
  it.each([
    ['development: electron . <snapshot>', ['/x/electron', '/repo', '/snap.tar.gz'], false, '/snap.tar.gz'],
    ['development without a snapshot opens the demo', ['/x/electron', '/repo'], false, undefined],
    ['packaged: proxyscope <snapshot>', ['/opt/Proxyscope/proxyscope', '/snap'], true, '/snap'],
    ['Chromium and Electron flags are skipped', ['/x/electron', '/repo', '--no-sandbox', '--inspect=0', 'snap'], false, 'snap'],
    ['packaged with only flags', ['/opt/Proxyscope/proxyscope', '--enable-logging'], true, undefined],
  ] as const)('%s', (_name, argv, packaged, expected) => {
    expect(snapshotFromArgv(argv, packaged)).toBe(expected);
  });
});
