import { StringDecoder } from 'node:string_decoder';
import WebSocket from 'ws';
import { exitFromStatus } from '../collect/podExec';

// The interactive side of the pods/exec channel protocol (v4/v5.channel.k8s.io, as kubectl
// speaks it with -it; k8s.io/client-go tools/remotecommand): every binary frame starts with its
// channel byte. We send 0 stdin and 4 resize ({"Width":cols,"Height":rows}, remotecommand's
// TerminalSize); we read 1 stdout (with tty=true stderr is folded into it), 2 stderr (kept in
// case a server still sends it), 3 the final metav1.Status (the exit code). The decoder keeps a
// UTF-8 character that is split across two frames whole.

export const CH_STDIN = 0;
export const CH_STDOUT = 1;
export const CH_STDERR = 2;
export const CH_STATUS = 3;
export const CH_RESIZE = 4;

export interface TtyEnd {
  /** From the status channel; null when the stream ended without one (closed by us, dropped). */
  code: number | null;
  /** A Failure status without an exit code (the runtime could not start the shell). */
  failure?: string;
}

export interface TtyStream {
  input(data: string): void;
  resize(cols: number, rows: number): void;
  /** Closes the stream; `end` follows once the socket is closed. */
  close(): void;
}

const KILL_AFTER_MS = 2_000;
const MAX_STATUS = 64 * 1024;

function frame(channel: number, payload: string): Buffer {
  return Buffer.concat([Buffer.from([channel]), Buffer.from(payload, 'utf8')]);
}

export function attachTtyStream(ws: WebSocket, sink: { data(s: string): void; end(e: TtyEnd): void }): TtyStream {
  const out = new StringDecoder('utf8');
  const err = new StringDecoder('utf8');
  let status = '';
  let ended = false;
  let killTimer: NodeJS.Timeout | undefined;

  const send = (buf: Buffer): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(buf);
  };

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const f = isBinary ? data : Buffer.from(data);
    if (f.length === 0 || ended) return;
    const payload = f.subarray(1);
    if (f[0] === CH_STDOUT) {
      const s = out.write(payload);
      if (s) sink.data(s);
    } else if (f[0] === CH_STDERR) {
      const s = err.write(payload);
      if (s) sink.data(s);
    } else if (f[0] === CH_STATUS && status.length < MAX_STATUS) {
      status += payload.toString('utf8');
    }
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    if (ended) return;
    ended = true;
    clearTimeout(killTimer);
    const rest = out.end() + err.end();
    if (rest) sink.data(rest);
    if (status === '') return sink.end({ code: null });
    const v = exitFromStatus(status);
    sink.end(v.exit ? { code: v.exit.code } : { code: null, ...(v.failure !== undefined ? { failure: v.failure } : {}) });
  });

  return {
    input: (data) => send(frame(CH_STDIN, data)),
    resize: (cols, rows) => send(frame(CH_RESIZE, JSON.stringify({ Width: cols, Height: rows }))),
    close: () => {
      if (ended || killTimer) return;
      ws.close(1000);
      // A server that never answers the close handshake must not keep the session alive.
      killTimer = setTimeout(() => ws.terminate(), KILL_AFTER_MS);
      killTimer.unref?.();
    },
  };
}
