import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { visibleText } from '../../core/common/report/visibleText';
import { scanCluster, ScanInputError, writeScanSnapshot } from '../../core/node/collect/scan';
import type { ScanEvent, ScanResult } from '../../core/node/collect/scan';
import type { NodeSshOverride, ScanPodOptions, ScanSshOptions } from '../../core/node/collect/scanTypes';
import { podOptionsProblem } from '../../core/node/collect/scanViaPods';
import { execApprovalsPath, ExecNotApprovedError } from '../../core/node/kube/execApproval';
import { KubeconfigError } from '../../core/node/kube/kubeconfig';
import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { defaultKnownHostsFiles, refuseForeignKnownHosts } from '../../core/node/ssh/knownHostsStore';
import type { ReportFormat } from '../args';
import { CliError, EXIT_OK, parse } from '../args';
import { writeStdout } from '../output';
import { SCAN_HELP } from '../usage';
import { analyzeAndReport } from './report';
import { collectPassphrases, readHidden } from '../passphrases';

// `proxyscope scan`: read the cluster's objects, visit its nodes over SSH or a debug pod, write a snapshot,
// print one status per node, and optionally analyse straight away. Exit 0 when every node is
// ok, 1 when some node is not, 2 for usage and input errors.

const EXIT_NODES_FAILED = 1;

const OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  nodes: { type: 'string' },
  all: { type: 'boolean' },
  via: { type: 'string' },
  'pod-namespace': { type: 'string' },
  'pod-image': { type: 'string' },
  'pod-timeout': { type: 'string' },
  'ssh-config': { type: 'string' },
  'known-hosts': { type: 'string', multiple: true },
  'accept-new-host-keys': { type: 'boolean' },
  'ssh-user': { type: 'string' },
  'ssh-port': { type: 'string' },
  identity: { type: 'string', short: 'i', multiple: true },
  jump: { type: 'string' },
  'node-override': { type: 'string', multiple: true },
  sudo: { type: 'boolean' },
  'allow-exec': { type: 'boolean' },
  parallelism: { type: 'string' },
  'command-timeout': { type: 'string' },
  out: { type: 'string' },
  report: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface ScanFlags {
  kubeconfig?: string;
  context?: string;
  nodes?: string;
  all?: boolean;
  via?: string;
  'pod-namespace'?: string;
  'pod-image'?: string;
  'pod-timeout'?: string;
  'ssh-config'?: string;
  'known-hosts'?: string[];
  'accept-new-host-keys'?: boolean;
  'ssh-user'?: string;
  'ssh-port'?: string;
  identity?: string[];
  jump?: string;
  'node-override'?: string[];
  sudo?: boolean;
  'allow-exec'?: boolean;
  parallelism?: string;
  'command-timeout'?: string;
  out?: string;
  report?: string;
  help?: boolean;
}

const REPORT_FORMATS: Record<string, ReportFormat> = { '.html': 'html', '.htm': 'html', '.md': 'markdown', '.json': 'json', '.txt': 'text' };

function positiveInt(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`--${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`, true);
  return n;
}

const OVERRIDE = /^([^=\s]+)=(?:([^@\s:]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

/** `--node-override NODE=[user@]host[:port]` (IPv6 in brackets) as a per-node SSH override. */
export function parseNodeOverride(text: string): [string, NodeSshOverride] {
  const m = OVERRIDE.exec(text);
  if (!m) throw new CliError(`--node-override ${JSON.stringify(text)}: expected NODE=[user@]host[:port]`, true);
  const port = m[4] !== undefined ? Number(m[4]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new CliError(`--node-override ${JSON.stringify(text)}: port must be 1..65535`, true);
  return [m[1], { address: m[3].replace(/^\[|\]$/g, ''), ...(m[2] !== undefined ? { user: m[2] } : {}), ...(port !== undefined ? { port } : {}) }];
}

/** Proxyscope's own known_hosts, next to its other settings; the only file accept-new writes. */
export function ownKnownHostsPath(): string {
  return join(dirname(execApprovalsPath()), 'known_hosts');
}

export async function scanCommand(argv: string[]): Promise<number> {
  const parsed = parse('scan', argv, OPTIONS);
  const { positionals } = parsed;
  const values = parsed.values as ScanFlags;
  if (values.help) {
    await writeStdout(SCAN_HELP);
    return EXIT_OK;
  }
  if (positionals.length) throw new CliError(`scan: unexpected argument ${JSON.stringify(positionals[0])}`, true);
  const via = values.via ?? 'ssh';
  if (via !== 'ssh' && via !== 'pod') throw new CliError(`unknown --via ${JSON.stringify(via)}; use ssh or pod`, true);
  const podFlags = (['pod-namespace', 'pod-image', 'pod-timeout'] as const).filter((f) => values[f] !== undefined);
  if (via !== 'pod' && podFlags.length > 0) throw new CliError(`--${podFlags[0]} needs --via pod`, true);
  const podTimeoutSec = positiveInt('pod-timeout', values['pod-timeout'], 3600);
  const pod: ScanPodOptions = {
    ...(values['pod-namespace'] !== undefined ? { namespace: values['pod-namespace'] } : {}),
    ...(values['pod-image'] !== undefined ? { image: values['pod-image'] } : {}),
    ...(podTimeoutSec !== undefined ? { podTimeoutSec } : {}),
  };
  const podProblem = podOptionsProblem(pod);
  if (podProblem) throw new CliError(podProblem, true);
  const out = values.out;
  if (out === undefined) throw new CliError('scan: --out DIR is required (the snapshot folder to write)', true);
  if (existsSync(out) && readdirSync(out).length > 0) throw new CliError(`--out ${out}: the folder is not empty; a snapshot is written into a new or empty folder`);
  if (values.all && values.nodes !== undefined) throw new CliError('use either --nodes or --all, not both', true);
  const nodes = values.nodes === undefined ? 'all' : values.nodes.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (nodes !== 'all' && nodes.length === 0) throw new CliError('--nodes needs at least one node name', true);
  let reportFormat: ReportFormat | undefined;
  if (values.report !== undefined) {
    reportFormat = REPORT_FORMATS[extname(values.report).toLowerCase()];
    if (!reportFormat) throw new CliError(`--report ${values.report}: name it .html, .md, .json or .txt to choose the format`, true);
  }

  const home = homedir();
  const own = ownKnownHostsPath();
  const knownHostsFiles = values['known-hosts'] ?? [...defaultKnownHostsFiles(home), own];
  const acceptNew = values['accept-new-host-keys'] === true;
  if (acceptNew) {
    const why = refuseForeignKnownHosts(own, home);
    if (why) throw new CliError(`cannot accept new host keys: ${why}`);
  }
  const defaultConfig = join(home, '.ssh', 'config');
  const configFile = values['ssh-config'] ?? (existsSync(defaultConfig) ? defaultConfig : undefined);
  if (configFile !== undefined && !existsSync(configFile)) throw new CliError(`--ssh-config ${configFile}: no such file`);
  const port = positiveInt('ssh-port', values['ssh-port'], 65535);
  const overrides = (values['node-override'] ?? []).map(parseNodeOverride);
  if (via === 'pod' && overrides.length > 0) throw new CliError('--node-override is for --via ssh', true);
  const perNode = Object.fromEntries(overrides);
  if (Object.keys(perNode).length < overrides.length) throw new CliError('--node-override: each node at most once', true);
  const ssh: ScanSshOptions = {
    knownHostsFiles,
    ...(configFile !== undefined ? { configFile } : {}),
    ...(acceptNew ? { acceptNewFile: own } : {}),
    ...(values['ssh-user'] !== undefined ? { user: values['ssh-user'] } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.jump !== undefined ? { jump: values.jump } : {}),
    ...(values.sudo ? { sudo: true } : {}),
    ...(values.identity ? { identityFiles: values.identity } : {}),
    ...(overrides.length > 0 ? { perNode } : {}),
  };
  if (via === 'ssh' && values.identity) {
    const passphrases = await collectPassphrases(values.identity, {
      ask: (q) => readHidden(process.stdin, process.stderr, q),
      note: (t) => process.stderr.write(`${t}\n`),
    });
    if (Object.keys(passphrases).length > 0) ssh.passphrases = passphrases;
  }

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = progressPrinter(process.stderr);
  let result: ScanResult;
  try {
    result = await scanCluster({
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context !== undefined ? { context: values.context } : {}),
      nodes,
      via,
      ssh,
      ...(via === 'pod' ? { pod } : {}),
      parallelism: positiveInt('parallelism', values.parallelism, 256),
      commandTimeoutSec: positiveInt('command-timeout', values['command-timeout'], 86_400),
      allowExec: values['allow-exec'] === true,
      signal: controller.signal,
      onProgress: progress,
    });
  } catch (err) {
    if (err instanceof KubeconfigError || err instanceof ExecNotApprovedError || err instanceof ScanInputError) throw new CliError(err.message);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }

  for (const w of result.info.warnings) process.stderr.write(`proxyscope: warning: ${visibleText(w, true)}\n`);
  if (result.info.insecureSkipTlsVerify) process.stderr.write('proxyscope: warning: TLS verification of the API server is OFF for this context (insecure-skip-tls-verify); recorded in scan.json\n');
  for (const p of result.info.api.problems) process.stderr.write(`proxyscope: warning: API: ${visibleText(p, true)}\n`);
  await writeScanSnapshot(result, out);
  await writeStdout(summaryTable(result) + `\nsnapshot written to ${out}\n`);
  if (values.report !== undefined && reportFormat) {
    await analyzeAndReport(await loadSnapshot(out), { format: reportFormat, out: values.report, failOn: 'never' });
  }
  return result.ok ? EXIT_OK : EXIT_NODES_FAILED;
}

export function summaryTable(result: ScanResult): string {
  const rows = [['NODE', 'STATUS', 'MESSAGE'], ...result.nodes.map((n) => [visibleText(n.node), n.status, visibleText(n.message)])];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd()).join('\n') + '\n';
}

/** TTY: one line per node, redrawn in place. Otherwise: one plain log line per event. */
function progressPrinter(stream: NodeJS.WriteStream): (e: ScanEvent) => void {
  if (stream.isTTY !== true || process.env.TERM === 'dumb') return (e) => stream.write(`${logLine(e)}\n`);
  const order: string[] = [];
  const lines = new Map<string, string>();
  let drawn = 0;
  return (e) => {
    if (e.type === 'api-listed') {
      stream.write(`${logLine(e)}\n`);
      return;
    }
    if (!lines.has(e.node)) order.push(e.node);
    lines.set(e.node, nodeLine(e, lines.get(e.node)));
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const n of order) text += `\x1b[2K${(lines.get(n) ?? '').slice(0, width)}\n`;
    drawn = order.length;
    stream.write(text);
  };
}

function nodeLine(e: Exclude<ScanEvent, { type: 'api-listed' }>, prev: string | undefined): string {
  const name = visibleText(e.node).padEnd(24);
  switch (e.type) {
    case 'node-queued':
      return `${name} queued`;
    case 'node-connecting':
      return `${name} connecting to ${e.address}`;
    case 'node-connected':
      return `${name} connected`;
    case 'command-start':
      return `${name} running ${e.command}`;
    case 'command-done':
      return `${name} ${e.command}: ${e.status} (${e.bytes} bytes)`;
    case 'node-done':
      return `${name} ${e.status}${e.status === 'ok' ? '' : `: ${visibleText(e.message)}`}`;
    default:
      return prev ?? name;
  }
}

function logLine(e: ScanEvent): string {
  switch (e.type) {
    case 'api-listed':
      return `proxyscope: context ${visibleText(e.context)}: ${e.nodes} nodes listed${e.partial ? ' (API lists partial)' : ''}`;
    case 'node-queued':
      return `proxyscope: ${visibleText(e.node)}: queued`;
    case 'node-connecting':
      return `proxyscope: ${visibleText(e.node)}: connecting to ${e.address}`;
    case 'node-connected':
      return `proxyscope: ${visibleText(e.node)}: connected`;
    case 'command-start':
      return `proxyscope: ${visibleText(e.node)}: ${e.command} started`;
    case 'command-done':
      return `proxyscope: ${visibleText(e.node)}: ${e.command} ${e.status} (${e.bytes} bytes, ${e.durationMs} ms)`;
    case 'node-done':
      return `proxyscope: ${visibleText(e.node)}: ${e.status}: ${visibleText(e.message)}`;
  }
}
