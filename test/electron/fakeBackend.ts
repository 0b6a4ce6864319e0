import { vi } from 'vitest';
import type { ApiEvent, SessionInfo } from '../../core/common/contract';
import { ok } from '../../core/common/contract';
import { CORE_METHODS } from '../../core/node/app/backendTypes';
import type { Backend } from '../../core/node/app/backendTypes';

// A Backend whose every method is a spy answering ok(...): the IPC tests check routing and
// refusals, not the engine (core/node/app has its own tests).

export const SESSION: SessionInfo = {
  id: 's1',
  source: 'demo',
  title: 'demo',
  hasCluster: true,
  generatedAt: '2025-01-01T00:00:00Z',
  nodes: [],
  counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  limitations: [],
};

export type FakeBackend = Backend & { emit(e: ApiEvent): void; calls: { method: string; arg: unknown }[] };

export function fakeBackend(): FakeBackend {
  const listeners = new Set<(e: ApiEvent) => void>();
  const calls: { method: string; arg: unknown }[] = [];
  const b: Record<string, unknown> = { calls };
  for (const m of CORE_METHODS) {
    b[m] = vi.fn(async (arg: unknown) => {
      calls.push({ method: m, arg });
      if (m === 'openDemo' || m === 'importSnapshot' || m === 'initialSession') return ok(SESSION);
      if (m === 'exportReport') return ok({ fileName: 'proxyscope-report.html', mime: 'text/html', data: '<h1>report</h1>', encoding: 'utf8' });
      if (m === 'exportSnapshot') return ok({ fileName: 'snap.tar.gz', mime: 'application/gzip', data: Buffer.from('tgz').toString('base64'), encoding: 'base64' });
      return ok({ from: 'backend', method: m });
    });
  }
  b.onEvent = (fn: (e: ApiEvent) => void) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  };
  b.emit = (e: ApiEvent) => listeners.forEach((fn) => fn(e));
  b.terminalTarget = vi.fn(() => ok({ host: '10.0.0.1', port: 22 }));
  b.dispose = vi.fn(async () => undefined);
  return b as unknown as FakeBackend;
}
