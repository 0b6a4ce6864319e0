import type { ApiMethod } from '../../core/common/contract';

// One valid and one invalid argument for every Api method (contractSchemas.ts), so the IPC tests
// can run each channel through the sender check, the schema and the routing.

export const GOOD_ARGS: Record<ApiMethod, unknown> = {
  appInfo: undefined,
  openDemo: undefined,
  importSnapshot: { fileName: 's.tar.gz', dataBase64: 'H4sI' },
  openSnapshotDialog: undefined,
  initialSession: undefined,
  analysis: { sessionId: 's1' },
  services: { sessionId: 's1' },
  serviceDetail: { sessionId: 's1', service: 'default/web' },
  ruleFiles: { sessionId: 's1', node: 'n1' },
  ruleText: { sessionId: 's1', node: 'n1', file: 'iptables-save.txt' },
  trace: { sessionId: 's1', node: 'n1', dst: '10.96.0.10', port: 53, protocol: 'udp' },
  exportReport: { sessionId: 's1', format: 'html' },
  exportSnapshot: { sessionId: 's1' },
  saveFileDialog: { file: { fileName: 'r.html', mime: 'text/html', data: '<p>x</p>', encoding: 'utf8' } },
  exportPdf: { sessionId: 's1' },
  contexts: {},
  approveExec: { context: 'kind-kind' },
  startScan: { context: 'kind-kind', via: 'ssh' },
  cancel: { id: 'job-1' },
  openTerminal: { node: 'n1', cols: 80, rows: 24 },
  terminalInput: { terminalId: 'term-1', data: 'ls\r' },
  terminalResize: { terminalId: 'term-1', cols: 100, rows: 30 },
  closeTerminal: { terminalId: 'term-1' },
  openExternal: { url: 'https://kubernetes.io/docs/' },
};

/** Each breaks the schema a different way: extra keys, wrong types, out-of-range numbers, hostile ids. */
export const BAD_ARGS: Record<ApiMethod, unknown> = {
  appInfo: { extra: true },
  openDemo: 'demo',
  importSnapshot: { fileName: 's.tar.gz' },
  openSnapshotDialog: { path: '/etc/passwd' },
  initialSession: 1,
  analysis: { sessionId: '../../etc' },
  services: { sessionId: 's1', admin: true },
  serviceDetail: { sessionId: 's1', service: '' },
  ruleFiles: { sessionId: 's1' },
  ruleText: { sessionId: 's1', node: 'n1', file: 7 },
  trace: { sessionId: 's1', node: 'n1', dst: '10.0.0.1', port: 70000, protocol: 'tcp' },
  exportReport: { sessionId: 's1', format: 'exe' },
  exportSnapshot: null,
  saveFileDialog: { file: { fileName: 'r.html', mime: 'text/html', data: 'x', encoding: 'latin1' } },
  exportPdf: { sessionId: 42 },
  contexts: { kubeconfig: '' },
  approveExec: {},
  startScan: { context: 'c', via: 'telnet' },
  cancel: { id: 'a b' },
  openTerminal: { node: 'n1', cols: 0, rows: 24 },
  terminalInput: { terminalId: 'term-1', data: 'x'.repeat(64 * 1024 + 1) },
  terminalResize: { terminalId: 'term-1', cols: 80, rows: 1001 },
  closeTerminal: { terminalId: 'term 1;' },
  openExternal: { url: 'https://x', target: '_blank' },
};
