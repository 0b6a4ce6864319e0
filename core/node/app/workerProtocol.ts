import type { ApiEvent, ApiResult } from '../../common/contract';
import type { BackendOptions, CoreMethod } from './backendTypes';

// Messages between createWorkerBackend (the app's thread) and backendWorker (a worker thread
// running createBackend). Everything is structured-cloned; Api values are plain JSON already.

/** Node name -> SSH host of one session, so `terminalTarget` can answer synchronously. */
export interface SessionHosts {
  sessionId: string;
  hosts: Record<string, string>;
}

export type ToWorker =
  | { kind: 'call'; id: number; method: CoreMethod; arg: unknown }
  /** Runs backend.dispose() (temp files) and answers `disposed`. */
  | { kind: 'dispose' };

export type FromWorker =
  | { kind: 'reply'; id: number; result: ApiResult<unknown>; hosts?: SessionHosts }
  | { kind: 'event'; event: ApiEvent }
  /** Sent before the event that announces a session opened without a call (scan-done). */
  | { kind: 'hosts'; hosts: SessionHosts }
  /** The job (progress events' jobId) that call `id` started: lets `cancel` answer that call at once. */
  | { kind: 'job'; id: number; jobId: string }
  | { kind: 'disposed' };

/** What the worker gets as workerData. */
export interface WorkerBackendData {
  kind: 'proxyscope-backend';
  options: BackendOptions;
}
