import WebSocket from 'ws';
import type { ApiEndpoint } from './apiEndpoint';
import { tunnelledConnection } from './apiEndpoint';
import { PodApiError, podApiError } from './debugPodRbac';

// pods/exec over the Kubernetes WebSocket channel protocol, the way kubectl (KEP-4006) and
// client-node's Exec speak it: subprotocol v5.channel.k8s.io (v4 accepted), every binary frame
// starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final metav1.Status as JSON
// (v4+: "Success", or "Failure" with reason NonZeroExitCode and the exit code as a cause),
// 255 a v5 half-close. Our own implementation over `ws` rather than client-node's Exec: we need
// a deadline, cancellation, a byte cap, and the API server's Status body when the handshake
// is refused (403 names the verb the user lacks); Exec gives none of these.
// stdin is requested and kept open on purpose: the node-side watcher (commands.ts WATCH_SCRIPT)
// stops the command when stdin reaches EOF, which is what closing the stream does.

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface PodExecRequest {
  namespace: string;
  pod: string;
  container: string;
  argv: readonly string[];
  /**
   * An interactive session (core/node/terminal/podTerminal.ts): a terminal on the container
   * side, so stderr is folded into stdout and there is no stderr stream to ask for (kubectl
   * sends stderr=false with tty=true, and the kubelet drops stderr for a tty anyway).
   */
  tty?: boolean;
}

export interface PodExecOptions {
  maxBytes: number;
  maxStderrBytes: number;
  /** Local deadline for the whole exchange. */
  limitMs: number;
  /** For the handshake alone. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

export interface PodExecOutcome {
  /** From the status channel. */
  exit?: { code: number };
  /** A Failure status without an exit code (the runtime could not start the command). */
  failure?: string;
  stopped?: 'cancel' | 'truncate' | 'timeout';
  stdout: Buffer;
  bytes: number;
  truncated: boolean;
  stderr: string;
  stderrTruncated: boolean;
  protocol: string;
}

export function execPath(r: PodExecRequest): string {
  const q = new URLSearchParams({ container: r.container, stdin: 'true', stdout: 'true', stderr: r.tty ? 'false' : 'true', tty: r.tty ? 'true' : 'false' });
  for (const a of r.argv) q.append('command', a);
  return `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/pods/${encodeURIComponent(r.pod)}/exec?${q.toString()}`;
}

interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The exit code from the final Status (remotecommand's errorDecoderV4). */
export function exitFromStatus(text: string): { exit?: { code: number }; failure?: string } {
  let st: ExecStatus;
  try {
    st = JSON.parse(text) as ExecStatus;
  } catch {
    return { failure: 'the exec status is not valid JSON' };
  }
  if (st.status === 'Success') return { exit: { code: 0 } };
  if (st.reason === 'NonZeroExitCode') {
    const cause = st.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return { exit: { code } };
  }
  return { failure: (st.message ?? 'the command failed without an exit code').slice(0, 300) };
}

function readBody(res: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (c: Buffer) => {
      if (n < max) chunks.push(c.subarray(0, max - n));
      n += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Opens the exec stream; rejects with PodApiError when the API server refuses it. Exported for
 * the interactive terminal, which speaks the channels itself.
 */
export async function openExec(ep: ApiEndpoint, r: PodExecRequest, o: Pick<PodExecOptions, 'connectTimeoutMs' | 'signal'>): Promise<WebSocket> {
  const connectMs = o.connectTimeoutMs ?? 30_000;
  const deadline = AbortSignal.timeout(connectMs);
  const createConnection = await tunnelledConnection(ep, o.signal ? AbortSignal.any([deadline, o.signal]) : deadline);
  const scheme = ep.secure ? 'wss' : 'ws';
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  const url = `${scheme}://${host}:${ep.port}${ep.basePath}${execPath(r)}`;
  const target = { verb: 'create' as const, resource: 'pods/exec' as const, namespace: r.namespace, name: r.pod };
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, EXEC_PROTOCOLS, {
      headers: ep.headers as Record<string, string>,
      ...ep.tls,
      ...(createConnection ? { createConnection } : {}),
      handshakeTimeout: connectMs,
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
    });
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = (): void => {
      ws.terminate();
      settle(() => reject(new PodApiError('cancelled', 'cancelled while opening the exec stream')));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('unexpected-response', (req, res) => {
      void readBody(res, 64 * 1024).then((body) => {
        req.destroy();
        settle(() => reject(podApiError(target, res.statusCode ?? 0, body, ep.redact)));
      });
    });
    ws.once('open', () => settle(() => resolve(ws)));
    ws.once('error', (err) => {
      const msg = ep.redact((err as NodeJS.ErrnoException).code ?? err.message);
      settle(() => reject(new PodApiError(/timeout/i.test(msg) ? 'timeout' : 'unreachable', `could not open the exec stream to pod ${r.pod}: ${msg}`)));
    });
  });
}

export async function podExec(ep: ApiEndpoint, r: PodExecRequest, o: PodExecOptions): Promise<PodExecOutcome> {
  const ws = await openExec(ep, r, o);
  return new Promise<PodExecOutcome>((resolve) => {
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    let bytes = 0;
    let errBytes = 0;
    let truncated = false;
    let stderrTruncated = false;
    let statusText = '';
    let stopped: PodExecOutcome['stopped'];
    let finished = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => stop('timeout'), o.limitMs);

    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', onAbort);
      const verdict = statusText !== '' ? exitFromStatus(statusText) : {};
      resolve({
        ...verdict,
        ...(stopped ? { stopped } : {}),
        stdout: Buffer.concat(chunks),
        bytes,
        truncated,
        stderr: Buffer.concat(errChunks).toString('utf8'),
        stderrTruncated,
        protocol: ws.protocol,
      });
    };
    // Closing the stream closes the command's stdin: the watcher TERMs it, timeout KILLs it.
    const stop = (why: NonNullable<PodExecOutcome['stopped']>): void => {
      if (stopped || finished) return;
      stopped = why;
      ws.close(1000);
      killTimer = setTimeout(() => {
        ws.terminate();
        finish();
      }, 2_000);
    };
    const onAbort = (): void => stop('cancel');
    if (o.signal?.aborted) stop('cancel');
    else o.signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? data : Buffer.from(data);
      if (frame.length === 0 || stopped) return;
      const channel = frame[0];
      const payload = frame.subarray(1);
      if (channel === 1) {
        const room = o.maxBytes - bytes;
        const part = payload.length > room ? payload.subarray(0, room) : payload;
        bytes += part.length;
        if (part.length > 0) chunks.push(Buffer.from(part));
        o.onProgress?.(bytes);
        if (payload.length > room) {
          truncated = true;
          stop('truncate');
        }
      } else if (channel === 2) {
        const room = o.maxStderrBytes - errBytes;
        if (payload.length > room) stderrTruncated = true;
        if (room > 0) {
          const part = payload.subarray(0, room);
          errChunks.push(Buffer.from(part));
          errBytes += part.length;
        }
      } else if (channel === 3) {
        if (statusText.length < 64 * 1024) statusText += payload.toString('utf8');
      }
      // 255 (v5 half-close) and anything else: nothing to do.
    });
    ws.on('error', () => undefined);
    ws.on('close', finish);
  });
}
