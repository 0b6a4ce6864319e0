import { vi } from 'vitest';
import { API_METHODS, fail } from '../../../core/common/contract';
import type { Api, ApiArg, ApiEvent, ApiMethod, ApiResult, ApiValue } from '../../../core/common/contract';

// A stand-in for renderer/api.ts in the view tests: every method records its call and answers
// from a per-test stub (default: fail('unsupported')); events are pushed with emitEvent().
// Use with: vi.mock('../../../renderer/api', async () => (await import('./fakeApi')).apiModule);
// (This module imports nothing from the renderer: the mock factory must not wait on a module
// that imports the mocked one.)

type Impl<M extends ApiMethod> = (arg: ApiArg<M>) => ApiResult<ApiValue<M>> | Promise<ApiResult<ApiValue<M>>>;
type Stubs = { [M in ApiMethod]?: Impl<M> };

export const calls: { method: ApiMethod; arg: unknown }[] = [];
const stubs: Stubs = {};
const listeners = new Set<(e: ApiEvent) => void>();

function buildFake(): Api {
  const out: Record<string, (arg?: unknown) => Promise<ApiResult<unknown>>> = {};
  for (const m of API_METHODS) {
    out[m] = async (arg?: unknown) => {
      calls.push({ method: m, arg });
      const f = stubs[m] as ((a: unknown) => ApiResult<unknown> | Promise<ApiResult<unknown>>) | undefined;
      return f ? f(arg) : fail('unsupported', `${m} is not stubbed`);
    };
  }
  return out as unknown as Api;
}

export const fakeApi = buildFake();

export function stubApi(s: Stubs): void {
  Object.assign(stubs, s);
}

export function callsOf(method: ApiMethod): unknown[] {
  return calls.filter((c) => c.method === method).map((c) => c.arg);
}

export function emitEvent(e: ApiEvent): void {
  for (const l of [...listeners]) l(e);
}

export const openExternalLink = vi.fn(async (_url: string) => true);

export const apiModule = {
  api: fakeApi,
  onApiEvent: (fn: (e: ApiEvent) => void) => {
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  },
  isHttpUrl: (url: string) => {
    try {
      const u = new URL(url);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  openExternalLink,
  apiToken: () => '',
  call: async () => fail('unsupported', 'not in tests'),
};

export function resetApi(): void {
  calls.length = 0;
  for (const k of Object.keys(stubs)) delete stubs[k as ApiMethod];
  listeners.clear();
  openExternalLink.mockClear();
}

