import type { ApiEvent, ApiResult, SessionInfo } from '../../common/contract';
import { fail } from '../../common/contract';
import { safeMessage } from './apiGuard';
import { CORE_METHODS } from './backendTypes';
import type { Backend, CoreMethod } from './backendTypes';
import type { FromWorker, SessionHosts, ToWorker } from './workerProtocol';

// The worker side of createWorkerBackend: answers `call` messages with the real backend's
// ApiResult, forwards its events, and tells the app's thread which job a call started (so a
// cancel can answer that call at once) and the SSH hosts of every new session (so
// `terminalTarget`, synchronous in the Backend interface, needs no round trip).
// Kept apart from the entry file (backendWorker.ts) so a test shim can host a wrapped backend.

export interface HostPort {
  postMessage(msg: FromWorker): void;
  on(event: 'message', listener: (msg: ToWorker) => void): unknown;
}

const CORE = new Set<string>(CORE_METHODS);
/** Calls whose value is a new (or the initial) session. */
const OPENS = new Set<CoreMethod>(['openDemo', 'importSnapshot', 'initialSession']);

type AnyMethod = (arg: unknown) => Promise<ApiResult<unknown>>;

/** Node name -> address of the session's nodes, as the backend's terminalTarget resolves them. */
function hostsOf(backend: Backend, sessionId: string, nodes: string[]): SessionHosts {
  const hosts: Record<string, string> = {};
  for (const node of nodes) {
    const t = backend.terminalTarget({ node, sessionId, cols: 80, rows: 24 });
    if (t.ok) hosts[node] = t.value.host;
  }
  return { sessionId, hosts };
}

export function hostBackend(port: HostPort, backend: Backend): void {
  const send = (msg: FromWorker): void => {
    try {
      port.postMessage(msg);
    } catch (err) {
      // A value that cannot be cloned must still answer its call.
      if (msg.kind === 'reply') port.postMessage({ kind: 'reply', id: msg.id, result: fail('failed', safeMessage(err)) });
    }
  };

  // The call being started: createBackend emits a job's first progress event synchronously
  // inside the method call, before its first await.
  let calling: number | null = null;
  let jobSent = false;

  backend.onEvent((event: ApiEvent) => {
    if (event.type === 'progress' && calling !== null && !jobSent) {
      jobSent = true;
      send({ kind: 'job', id: calling, jobId: event.jobId });
    }
    if (event.type === 'scan-done' && event.sessionId !== null) {
      const sessionId = event.sessionId;
      // The hosts go first, so terminalTarget knows the session by the time the UI does.
      void backend
        .analysis({ sessionId })
        .then((a) => {
          if (a.ok) send({ kind: 'hosts', hosts: hostsOf(backend, sessionId, a.value.nodes.map((n) => n.node)) });
        })
        .catch(() => undefined)
        .finally(() => send({ kind: 'event', event }));
      return;
    }
    send({ kind: 'event', event });
  });

  port.on('message', (msg: ToWorker) => {
    if (msg.kind === 'dispose') {
      void backend
        .dispose()
        .catch(() => undefined)
        .finally(() => send({ kind: 'disposed' }));
      return;
    }
    const { id, method } = msg;
    let answer: Promise<ApiResult<unknown>>;
    calling = id;
    jobSent = false;
    try {
      answer = CORE.has(method) ? Promise.resolve((backend[method] as unknown as AnyMethod).call(backend, msg.arg)) : Promise.resolve(fail('bad-request', 'unknown method'));
    } catch (err) {
      answer = Promise.resolve(fail('failed', safeMessage(err)));
    } finally {
      calling = null;
    }
    void answer.then(
      (result) => {
        const info = result.ok ? (result.value as SessionInfo | null) : null;
        if (OPENS.has(method) && info !== null) send({ kind: 'reply', id, result, hosts: hostsOf(backend, info.id, info.nodes.map((n) => n.node)) });
        else send({ kind: 'reply', id, result });
      },
      (err: unknown) => send({ kind: 'reply', id, result: fail('failed', safeMessage(err)) }),
    );
  });
}
