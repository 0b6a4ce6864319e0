import { describe, expect, it, vi } from 'vitest';
import type { ApiEvent, PreloadBridge } from '../../../core/common/contract';
import { API_EVENT_CHANNEL, API_METHODS, apiChannel } from '../../../core/common/contract';

// The preload script under a stub electron: it exposes exactly the PreloadBridge and nothing
// that would let the page reach IPC channels of its choosing.

const stub = await vi.hoisted(async () => (await import('../electronStub')).createElectronStub());
vi.mock('electron', () => stub);

await import('../../../electron/preload/index');
const bridge = stub.contextBridge.exposed.get('proxyscope') as PreloadBridge;

describe('preload', () => {
  it('exposes one object, window.proxyscope, with only runtime, invoke and onEvent', () => {
    expect([...stub.contextBridge.exposed.keys()]).toEqual(['proxyscope']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvent', 'runtime']);
    expect(bridge.runtime).toBe('electron');
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.values(bridge)).not.toContain(stub.ipcRenderer);
  });

  it.each(API_METHODS.map((m) => [m]))('invokes %s on its own channel with the argument unchanged', async (method) => {
    stub.ipcRenderer.invocations = [];
    stub.ipcRenderer.reply = async () => ({ ok: true, value: method });
    const r = await bridge.invoke(method, { a: 1 });
    expect(r).toEqual({ ok: true, value: method });
    expect(stub.ipcRenderer.invocations).toEqual([{ channel: apiChannel(method), args: [{ a: 1 }] }]);
  });

  it.each(['constructor', '__proto__', 'toString', 'api:event', 'event', 'openDemo ', 'OpenDemo', '', 42, null])(
    'rejects the unknown method %j with bad-request without touching IPC',
    async (method) => {
      stub.ipcRenderer.invocations = [];
      const r = await bridge.invoke(method as never, undefined);
      expect(r).toEqual({ ok: false, error: { code: 'bad-request', message: 'unknown method' } });
      expect(stub.ipcRenderer.invocations).toEqual([]);
    },
  );

  it('turns a rejected invoke into fail("failed")', async () => {
    stub.ipcRenderer.reply = async () => {
      throw new Error('Error invoking remote method: internal');
    };
    const r = await bridge.invoke('appInfo');
    expect(r.ok ? 'ok' : r.error.code).toBe('failed');
  });

  it('delivers event payloads (never the IPC event object) and unsubscribes exactly one listener', () => {
    const a: unknown[][] = [];
    const b: unknown[][] = [];
    const offA = bridge.onEvent((...args: unknown[]) => a.push(args));
    const offB = bridge.onEvent((...args: unknown[]) => b.push(args));
    const e1: ApiEvent = { type: 'terminal-data', terminalId: 't', data: 'x' };
    stub.ipcRenderer.deliver(API_EVENT_CHANNEL, e1);
    expect(a).toEqual([[e1]]);
    expect(b).toEqual([[e1]]);
    offA();
    offA();
    const e2: ApiEvent = { type: 'terminal-exit', terminalId: 't', exitCode: 0, signal: null };
    stub.ipcRenderer.deliver(API_EVENT_CHANNEL, e2);
    expect(a).toEqual([[e1]]);
    expect(b).toEqual([[e1], [e2]]);
    offB();
    expect(stub.ipcRenderer.listenerCount(API_EVENT_CHANNEL)).toBe(0);
  });

  it('ignores messages on other channels', () => {
    const seen: unknown[] = [];
    const off = bridge.onEvent((e) => seen.push(e));
    stub.ipcRenderer.deliver('api:other', { type: 'progress' });
    expect(seen).toEqual([]);
    off();
  });
});
