import type { Api, ApiResult, TerminalRequest } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import type { Backend } from '../app/backendTypes';
import type { TerminalHub } from '../terminal/terminalHub';
import type { ServePtyHost } from './serveTypes';

// The Api methods `proxyscope serve` answers itself (the backend answers the core ones, through
// dispatchApi). A browser has no native dialogs and no printToPDF; links are opened by the
// renderer after the user confirmed; terminals only with `--allow-terminals`.

const TERMINALS_OFF = 'terminals are off; start serve with --allow-terminals';
const NO_DIALOGS = 'not available in the browser';

/**
 * `podTerminals`: debug-pod terminals (core/node/terminal/terminalHub.ts); used only when
 * terminals are allowed at all (`pty` given), like SSH ones.
 */
export function browserApi(opts: { version: string; backend: Backend; pty: ServePtyHost | null; podTerminals?: TerminalHub | null }): Partial<Api> {
  const { version, backend, pty } = opts;
  const pods = pty ? (opts.podTerminals ?? null) : null;
  const unsupported = async (): Promise<ApiResult<never>> => fail('unsupported', NO_DIALOGS);
  const off = (): ApiResult<never> => fail('forbidden', TERMINALS_OFF);
  return {
    appInfo: async () => ok({ version, runtime: 'browser', terminals: pty !== null, nativeDialogs: false }),
    openSnapshotDialog: unsupported,
    saveFileDialog: unsupported,
    exportPdf: unsupported,
    openExternal: async () => fail('unsupported', 'the browser opens links itself'),
    openTerminal: async (req: TerminalRequest) => {
      if (!pty) return off();
      if (req.via === 'pod') return pods ? pods.open(req) : fail('unsupported', 'debug-pod terminals are not available in this server');
      const target = backend.terminalTarget(req);
      return target.ok ? pty.open(target.value, req.cols, req.rows) : target;
    },
    // The id says where a terminal lives: the hub knows its own, the rest are the pty host's.
    terminalInput: async (req) => (!pty ? off() : pods?.has(req.terminalId) ? pods.input(req.terminalId, req.data) : pty.input(req.terminalId, req.data)),
    terminalResize: async (req) => (!pty ? off() : pods?.has(req.terminalId) ? pods.resize(req.terminalId, req.cols, req.rows) : pty.resize(req.terminalId, req.cols, req.rows)),
    closeTerminal: async (req) => (!pty ? off() : pods?.has(req.terminalId) ? pods.close(req.terminalId) : pty.close(req.terminalId)),
  };
}
