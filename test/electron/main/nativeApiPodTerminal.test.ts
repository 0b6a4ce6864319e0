import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow, BrowserWindowConstructorOptions, Dialog, Shell } from 'electron';
import { ok } from '../../../core/common/contract';
import type { TerminalRequest } from '../../../core/common/contract';
import type { TerminalHub } from '../../../core/node/terminal/terminalHub';
import { createNativeApi } from '../../../electron/main/nativeApi';
import type { NativeApi } from '../../../electron/main/nativeApi';
import type { PtyHost } from '../../../electron/main/pty/ptyHost';
import { FakeBrowserWindow, asElectron, createElectronStub } from '../electronStub';
import { fakeBackend } from '../fakeBackend';
import type { FakeBackend } from '../fakeBackend';

// Terminal routing in the desktop runtime: via 'pod' goes to the debug-pod hub (never to the
// backend's SSH target), via 'ssh' (or none) to the pty host, and input/resize/close follow the
// terminal id to whichever owns it.

type Spied<T> = { [K in keyof T]: ReturnType<typeof vi.fn> };

let backend: FakeBackend;
let pty: Spied<PtyHost>;
let hub: Spied<TerminalHub>;

function nativeApi(withHub: boolean): NativeApi {
  const e = createElectronStub();
  return createNativeApi({
    version: '1',
    backend,
    pty: pty as unknown as PtyHost,
    ...(withHub ? { podTerminals: hub as unknown as TerminalHub } : {}),
    window: () => null,
    dialog: asElectron<Dialog>(e.dialog),
    shell: asElectron<Shell>(e.shell),
    BrowserWindow: asElectron<new (o: BrowserWindowConstructorOptions) => BrowserWindow>(FakeBrowserWindow),
    platform: 'linux',
  });
}

const POD: TerminalRequest = { node: 'n1', via: 'pod', context: 'prod', podNamespace: 'debug', cols: 80, rows: 24 };

beforeEach(() => {
  backend = fakeBackend();
  pty = { open: vi.fn(() => ok({ terminalId: 'term-1' })), input: vi.fn(() => ok(true)), resize: vi.fn(() => ok(true)), close: vi.fn(() => ok(true)), closeAll: vi.fn(), count: vi.fn(() => 0) };
  hub = {
    open: vi.fn(() => ok({ terminalId: 'pod-1' })),
    has: vi.fn((id: string) => id === 'pod-1'),
    input: vi.fn(() => ok(true)),
    resize: vi.fn(() => ok(true)),
    close: vi.fn(() => ok(true)),
    closeAll: vi.fn(async () => undefined),
    count: vi.fn(() => 1),
  };
});

describe('debug-pod terminals in the desktop runtime', () => {
  it('opens a via-pod terminal in the hub, with no SSH target resolved', async () => {
    expect(await nativeApi(true).openTerminal(POD)).toEqual(ok({ terminalId: 'pod-1' }));
    expect(hub.open).toHaveBeenCalledWith(POD);
    expect(backend.terminalTarget).not.toHaveBeenCalled();
    expect(pty.open).not.toHaveBeenCalled();
  });

  it.each([
    ['no via', { node: 'n1', cols: 80, rows: 24 }],
    ['via ssh', { node: 'n1', via: 'ssh' as const, cols: 80, rows: 24 }],
  ])('opens an SSH terminal in the pty host for %s', async (_what, req) => {
    expect(await nativeApi(true).openTerminal(req)).toEqual(ok({ terminalId: 'term-1' }));
    expect(hub.open).not.toHaveBeenCalled();
    expect(pty.open).toHaveBeenCalledWith({ host: '10.0.0.1', port: 22 }, 80, 24);
  });

  it.each([
    ['pod-1', 'hub'],
    ['term-1', 'pty'],
  ])('routes input, resize and close of %s to the %s', async (terminalId, owner) => {
    const api = nativeApi(true);
    await api.terminalInput({ terminalId, data: 'ls\r' });
    await api.terminalResize({ terminalId, cols: 120, rows: 40 });
    await api.closeTerminal({ terminalId });
    const [to, other] = owner === 'hub' ? [hub, pty] : [pty, hub];
    expect(to.input).toHaveBeenCalledWith(terminalId, 'ls\r');
    expect(to.resize).toHaveBeenCalledWith(terminalId, 120, 40);
    expect(to.close).toHaveBeenCalledWith(terminalId);
    expect(other.input).not.toHaveBeenCalled();
    expect(other.close).not.toHaveBeenCalled();
  });

  it('answers unsupported for via pod when no hub was given, and still serves SSH', async () => {
    const api = nativeApi(false);
    expect(await api.openTerminal(POD)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await api.terminalInput({ terminalId: 'term-1', data: 'x' })).toEqual(ok(true));
    expect(pty.input).toHaveBeenCalledWith('term-1', 'x');
  });
});
