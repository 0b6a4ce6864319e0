import { describe, expect, it, vi } from 'vitest';
import type { Api, ApiResult } from '../../../../core/common/contract';
import { ok } from '../../../../core/common/contract';
import { CORE_METHODS } from '../../../../core/node/app/backendTypes';
import type { Backend } from '../../../../core/node/app/backendTypes';
import { dispatchApi } from '../../../../core/node/app/dispatch';

// dispatchApi: validate first, then the backend for engine methods and `extra` for the
// runtime's own; nothing thrown escapes.

function fakeBackend(): Backend & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const b: Record<string, unknown> = { calls };
  for (const m of CORE_METHODS) {
    b[m] = async (arg: unknown): Promise<ApiResult<unknown>> => {
      calls.push([m, arg]);
      return ok(m);
    };
  }
  b.onEvent = () => () => undefined;
  b.terminalTarget = () => ok({ host: 'h', port: 22 });
  b.dispose = async () => undefined;
  return b as unknown as Backend & { calls: [string, unknown][] };
}

const SESSION = '6f1c2b1e-3c1a-4d1e-9f1a-1b2c3d4e5f60';

describe('dispatchApi', () => {
  it.each([
    { name: 'an unknown method', method: 'evil', arg: undefined, message: 'unknown method' },
    { name: 'a prototype name as method', method: '__proto__', arg: undefined, message: 'unknown method' },
    { name: 'a missing argument', method: 'analysis', arg: undefined, message: /analysis: invalid/ },
    { name: 'an unknown key', method: 'analysis', arg: { sessionId: SESSION, extra: 1 }, message: /invalid/ },
    { name: 'a session id with a slash', method: 'services', arg: { sessionId: '../x' }, message: /sessionId/ },
    { name: 'a port out of range', method: 'trace', arg: { sessionId: SESSION, node: 'n', dst: '10.0.0.1', port: 70000, protocol: 'tcp' }, message: /port/ },
    { name: 'an argument for a method that takes none', method: 'openDemo', arg: { x: 1 }, message: /invalid/ },
  ])('rejects $name as bad-request before the backend sees it', async ({ method, arg, message }) => {
    const b = fakeBackend();
    const r = await dispatchApi(b, method, arg, {});
    expect(r.ok ? null : r.error.code).toBe('bad-request');
    if (!r.ok) expect(r.error.message).toMatch(message);
    expect(b.calls).toEqual([]);
  });

  it.each(CORE_METHODS.map((m) => ({ method: m })))('routes $method to the backend', async ({ method }) => {
    const args: Record<string, unknown> = {
      openDemo: undefined,
      initialSession: undefined,
      importSnapshot: { fileName: 'a.tar.gz', dataBase64: 'AAAA' },
      serviceDetail: { sessionId: SESSION, service: 'ns/a' },
      ruleFiles: { sessionId: SESSION, node: 'n' },
      ruleText: { sessionId: SESSION, node: 'n', file: 'f' },
      trace: { sessionId: SESSION, node: 'n', dst: '10.0.0.1', port: 80, protocol: 'tcp' },
      exportReport: { sessionId: SESSION, format: 'json' },
      contexts: {},
      approveExec: { context: 'c' },
      startScan: { context: 'c', via: 'ssh' },
      cancel: { id: 'job' },
    };
    const arg = method in args ? args[method] : { sessionId: SESSION };
    const b = fakeBackend();
    const extra = { [method]: vi.fn() } as Partial<Api>;
    expect(await dispatchApi(b, method, arg, extra)).toEqual(ok(method));
    expect(b.calls).toEqual([[method, arg]]);
  });

  it('routes runtime methods to extra and answers unsupported when the runtime lacks them', async () => {
    const b = fakeBackend();
    const appInfo = vi.fn(async () => ok({ version: '1', runtime: 'browser' as const, terminals: false, nativeDialogs: false }));
    expect(await dispatchApi(b, 'appInfo', undefined, { appInfo })).toMatchObject({ ok: true, value: { runtime: 'browser' } });
    expect(appInfo).toHaveBeenCalledTimes(1);
    const r = await dispatchApi(b, 'openSnapshotDialog', undefined, { appInfo });
    expect(r.ok ? null : r.error.code).toBe('unsupported');
    const noInfo = await dispatchApi(b, 'appInfo', undefined, {});
    expect(noInfo.ok ? null : noInfo.error.code).toBe('unsupported');
  });

  it('calls extra methods with extra as `this`', async () => {
    class Runtime {
      prefix = 'opened ';
      async openExternal(req: { url: string }): Promise<ApiResult<boolean>> {
        return ok(`${this.prefix}${req.url}`.startsWith('opened https'));
      }
    }
    expect(await dispatchApi(fakeBackend(), 'openExternal', { url: 'https://example.com' }, new Runtime())).toEqual(ok(true));
  });

  it.each([
    { name: 'a throwing backend method', method: 'cancel', arg: { id: 'x' }, where: 'backend' },
    { name: 'a throwing runtime method', method: 'closeTerminal', arg: { terminalId: 't' }, where: 'extra' },
  ])('turns $name into failed', async ({ method, arg, where }) => {
    const b = fakeBackend();
    const boom = async (): Promise<never> => {
      throw new Error('boom');
    };
    if (where === 'backend') (b as unknown as Record<string, unknown>)[method] = boom;
    const r = await dispatchApi(b, method, arg, where === 'extra' ? { [method]: boom } : {});
    expect(r).toEqual({ ok: false, error: { code: 'failed', message: 'boom' } });
  });
});
