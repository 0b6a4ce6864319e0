import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow, IpcMain } from 'electron';
import type { Api, ApiEvent, ApiMethod, ApiResult } from '../../../core/common/contract';
import { API_EVENT_CHANNEL, API_METHODS, apiChannel, ok } from '../../../core/common/contract';
import { CORE_METHODS } from '../../../core/node/app/backendTypes';
import { eventSender, registerApi } from '../../../electron/main/ipc';
import { rendererLocation } from '../../../electron/main/window';
import { BAD_ARGS, GOOD_ARGS } from '../apiArgs';
import { FakeBrowserWindow, FakeFrame, FakeIpcMain, asElectron, createElectronStub, invokeEvent } from '../electronStub';
import { SESSION, fakeBackend } from '../fakeBackend';
import type { FakeBackend } from '../fakeBackend';

// Every IPC channel: a foreign sender is refused, a bad argument is refused, a good call reaches
// the backend (engine methods) or the native implementation (dialogs, terminals, ...), and errors
// come back as values. Uses the real dispatchApi.

const RENDERER = rendererLocation('/opt/proxyscope/resources/app.asar/out/renderer/index.html');
const CORE = new Set<string>(CORE_METHODS);
const NATIVE = API_METHODS.filter((m) => !CORE.has(m));

let ipc: FakeIpcMain;
let win: FakeBrowserWindow;
let backend: FakeBackend;
let extra: Record<string, ReturnType<typeof vi.fn>>;

function setup(): void {
  createElectronStub();
  ipc = new FakeIpcMain();
  win = new FakeBrowserWindow({});
  void win.loadURL(`${RENDERER.url}#/findings`);
  backend = fakeBackend();
  extra = {};
  for (const m of NATIVE) extra[m] = vi.fn(async () => ok({ from: 'native', method: m }));
  registerApi(asElectron<IpcMain>(ipc), {
    backend,
    extra: extra as unknown as Partial<Api>,
    window: () => asElectron<BrowserWindow>(win),
    renderer: RENDERER,
  });
}

const call = (method: ApiMethod, frame: FakeFrame | null, arg: unknown, sender = win.webContents): Promise<ApiResult<unknown>> =>
  ipc.invoke(apiChannel(method), invokeEvent(sender, frame), arg) as Promise<ApiResult<unknown>>;

const nothingCalled = (): void => {
  expect(backend.calls).toEqual([]);
  for (const fn of Object.values(extra)) expect(fn).not.toHaveBeenCalled();
};

const code = (r: ApiResult<unknown>): string => (r.ok ? 'ok' : r.error.code);

describe('registerApi', () => {
  beforeEach(setup);

  it('registers exactly one channel per Api method and nothing else', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(API_METHODS.map(apiChannel).sort());
  });

  describe.each(API_METHODS.map((m) => [m]))('%s', (method) => {
    it('rejects a call from a subframe of the app window', async () => {
      const r = await call(method, win.webContents.subframe(`${RENDERER.url}`), GOOD_ARGS[method]);
      expect(code(r)).toBe('forbidden');
      nothingCalled();
    });

    it('rejects a call from the main frame of another window showing the same page', async () => {
      const other = new FakeBrowserWindow({});
      await other.loadURL(RENDERER.url);
      const r = await call(method, other.webContents.mainFrame, GOOD_ARGS[method], other.webContents);
      expect(code(r)).toBe('forbidden');
      nothingCalled();
    });

    it.each([
      ['a web page', 'https://evil.example/'],
      ['another local file', 'file:///tmp/evil.html'],
      ['the renderer file with a query', `${RENDERER.url}?x=1`],
      ['a data URL', 'data:text/html,<script>1</script>'],
    ])('rejects a call from the app window when it shows %s', async (_name, url) => {
      win.webContents.mainFrame.url = url;
      const r = await call(method, win.webContents.mainFrame, GOOD_ARGS[method]);
      expect(code(r)).toBe('forbidden');
      nothingCalled();
    });

    it('rejects a call whose sender frame is gone', async () => {
      const r = await call(method, null, GOOD_ARGS[method]);
      expect(code(r)).toBe('forbidden');
      nothingCalled();
    });

    it('rejects a frame that claims the main frame position but is another frame', async () => {
      const impostor = new FakeFrame(win.webContents.mainFrame.processId, 99, RENDERER.url, null);
      const r = await call(method, impostor, GOOD_ARGS[method]);
      expect(code(r)).toBe('forbidden');
      nothingCalled();
    });

    it('rejects a call from another webContents even when the frame ids match', async () => {
      const other = new FakeBrowserWindow({});
      const r = await call(method, win.webContents.mainFrame, GOOD_ARGS[method], other.webContents);
      expect(code(r)).toBe('forbidden');
      nothingCalled();
    });

    it('rejects a bad argument with bad-request before anything runs', async () => {
      const r = await call(method, win.webContents.mainFrame, BAD_ARGS[method]);
      expect(code(r)).toBe('bad-request');
      nothingCalled();
    });

    it('routes a good call from the app window to its implementation', async () => {
      const r = await call(method, win.webContents.mainFrame, GOOD_ARGS[method]);
      expect(r.ok).toBe(true);
      if (CORE.has(method)) {
        expect(backend.calls).toEqual([{ method, arg: GOOD_ARGS[method] }]);
      } else {
        expect(r).toEqual(ok({ from: 'native', method }));
        expect(extra[method]).toHaveBeenCalledTimes(1);
        expect(backend.calls).toEqual([]);
      }
    });
  });

  it('turns an exception into fail("failed") instead of rejecting the invoke', async () => {
    extra.openExternal.mockImplementation(async () => {
      throw new Error('boom');
    });
    const r = await call('openExternal', win.webContents.mainFrame, GOOD_ARGS.openExternal);
    expect(code(r)).toBe('failed');
  });

  it('unregisters every channel again', () => {
    const ipc2 = new FakeIpcMain();
    const off = registerApi(asElectron<IpcMain>(ipc2), { backend, extra: {}, window: () => null, renderer: RENDERER });
    expect(ipc2.handlers.size).toBe(API_METHODS.length);
    off();
    expect(ipc2.handlers.size).toBe(0);
  });
});

describe('session hand-over for menu actions', () => {
  it('reports opened sessions and hands a pending one to the next initialSession call once', async () => {
    createElectronStub();
    ipc = new FakeIpcMain();
    win = new FakeBrowserWindow({});
    await win.loadURL(RENDERER.url);
    backend = fakeBackend();
    const seen: string[] = [];
    let pending: typeof SESSION | null = { ...SESSION, id: 'from-menu' };
    registerApi(asElectron<IpcMain>(ipc), {
      backend,
      extra: {},
      window: () => asElectron<BrowserWindow>(win),
      renderer: RENDERER,
      onSession: (s) => seen.push(s.id),
      takePendingSession: () => {
        const p = pending;
        pending = null;
        return p;
      },
    });
    const first = await call('initialSession', win.webContents.mainFrame, undefined);
    expect(first).toEqual(ok({ ...SESSION, id: 'from-menu' }));
    const second = await call('initialSession', win.webContents.mainFrame, undefined);
    expect(second).toEqual(ok(SESSION));
    await call('openDemo', win.webContents.mainFrame, undefined);
    expect(seen).toEqual(['s1', 's1']);
  });
});

describe('eventSender', () => {
  const event: ApiEvent = { type: 'terminal-data', terminalId: 't1', data: 'x' };

  it('sends events on the one event channel to the window showing the renderer', async () => {
    createElectronStub();
    const w = new FakeBrowserWindow({});
    await w.loadURL(RENDERER.url);
    eventSender(() => asElectron<BrowserWindow>(w), RENDERER)(event);
    expect(w.webContents.sent).toEqual([{ channel: API_EVENT_CHANNEL, args: [event] }]);
  });

  it('drops events while the window shows anything else, or is gone', async () => {
    createElectronStub();
    const w = new FakeBrowserWindow({});
    await w.loadURL('https://evil.example/');
    const send = eventSender(() => asElectron<BrowserWindow>(w), RENDERER);
    send(event);
    expect(w.webContents.sent).toEqual([]);
    eventSender(() => null, RENDERER)(event);
  });
});
