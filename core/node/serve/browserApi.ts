import type { Api, ApiResult, TerminalRequest } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import type { Backend } from '../app/backendTypes';
import type { ServePtyHost } from './serveTypes';

// The Api methods `proxyscope serve` answers itself (the backend answers the core ones, through
// dispatchApi). A browser has no native dialogs and no printToPDF; links are opened by the
// renderer after the user confirmed; terminals only with `--allow-terminals`.

const TERMINALS_OFF = 'terminals are off; start serve with --allow-terminals';
const NO_DIALOGS = 'not available in the browser';

export function browserApi(opts: { version: string; backend: Backend; pty: ServePtyHost | null }): Partial<Api> {
  const { version, backend, pty } = opts;
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
      const target = backend.terminalTarget(req);
      return target.ok ? pty.open(target.value, req.cols, req.rows) : target;
    },
    terminalInput: async (req) => (pty ? pty.input(req.terminalId, req.data) : off()),
    terminalResize: async (req) => (pty ? pty.resize(req.terminalId, req.cols, req.rows) : off()),
    closeTerminal: async (req) => (pty ? pty.close(req.terminalId) : off()),
  };
}
