import { existsSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ApiResult } from '../../core/common/contract';
import { createBackend } from '../../core/node/app/backend';
import { hostBackend } from '../../core/node/app/backendHost';
import type { Backend, CoreMethod } from '../../core/node/app/backendTypes';
import type { WorkerBackendData } from '../../core/node/app/workerProtocol';

// A test-only worker entry (bundled by test/helpers/workerShimBuild.ts, never shipped): the real
// backend behind the real host, with one method that hangs (a runaway synchronous step that never
// yields) or crashes the worker (an uncaught exception), for the cancel and crash tests of
// createWorkerBackend. With `onceFile` the fault happens once: the restarted worker is healthy.

export interface ShimHooks {
  hang?: CoreMethod;
  crash?: CoreMethod;
  /** Created on the first fault; the fault is skipped while it exists. */
  onceFile?: string;
}

const data = workerData as (WorkerBackendData & { extra?: ShimHooks }) | null;
const port = parentPort;
if (port && data?.kind === 'proxyscope-backend') {
  const backend = createBackend(data.options);
  const hooks = data.extra ?? {};
  const fault = (): boolean => {
    if (hooks.onceFile === undefined) return true;
    if (existsSync(hooks.onceFile)) return false;
    writeFileSync(hooks.onceFile, 'faulted\n');
    return true;
  };
  const methods = backend as unknown as Record<string, (arg: unknown) => Promise<ApiResult<unknown>>>;
  const wrapped: Record<string, unknown> = { ...backend };
  if (hooks.hang) {
    const real = methods[hooks.hang];
    wrapped[hooks.hang] = (arg: unknown) => {
      if (fault()) {
        for (;;) {
          // Never yields: only Worker.terminate() ends this.
        }
      }
      return real(arg);
    };
  }
  if (hooks.crash) {
    const real = methods[hooks.crash];
    wrapped[hooks.crash] = (arg: unknown) => {
      if (!fault()) return real(arg);
      setImmediate(() => {
        throw new Error('the test shim crashed the worker');
      });
      return new Promise<never>(() => undefined);
    };
  }
  hostBackend(port, wrapped as unknown as Backend);
}
