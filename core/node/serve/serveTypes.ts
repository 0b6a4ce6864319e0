import type { ApiEvent, ApiResult } from '../../common/contract';
import type { Backend, SshTarget } from '../app/backendTypes';

// What `proxyscope serve` is built from. The backend and the pty host are injected so the server
// can be tested with stand-ins, and so core/node never imports node-pty (the CLI passes the pty
// host from electron/main/pty/ptyHost.ts, which needs no electron).

/** The part of electron/main/pty/ptyHost.ts's PtyHost the server uses (structural copy). */
export interface ServePtyHost {
  open(target: SshTarget, cols: number, rows: number): ApiResult<{ terminalId: string }>;
  input(terminalId: string, data: string): ApiResult<true>;
  resize(terminalId: string, cols: number, rows: number): ApiResult<true>;
  close(terminalId: string): ApiResult<true>;
  closeAll(): void;
}

export interface ServeOptions {
  backend: Backend;
  /** Folder with the built renderer (out/renderer: index.html + assets/). */
  staticDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Reported by appInfo. */
  version: string;
  /**
   * Terminals are allowed only when this is given (`serve --allow-terminals`). Called once with
   * the function that broadcasts ApiEvents (terminal-data, terminal-exit) to every client.
   */
  ptyHost?: (emit: (event: ApiEvent) => void) => ServePtyHost;
}

export interface ServeHandle {
  /** `http://127.0.0.1:<port>/?token=<token>`: what the user opens. */
  url: string;
  port: number;
  token: string;
  /** Closes sockets and terminals, stops listening, disposes the backend. */
  close(): Promise<void>;
}
