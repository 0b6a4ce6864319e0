import { parseIp } from '../../core/common/ip/ipMath';
import { renderTraceText } from '../../core/common/trace/renderTraceText';
import { traceNode } from '../../core/common/trace/traceNode';
import { traceOptionsFromCluster } from '../../core/common/trace/traceOptionsFromCluster';
import type { TraceProtocol, TraceQuery } from '../../core/common/trace/traceTypes';
import { visibleText } from '../../core/common/report/visibleText';
import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { CliError, onePositional, parse } from '../args';
import { writeStdout } from '../output';
import { TRACE_HELP } from '../usage';

// `proxyscope trace <snapshot> --node N --to IP:PORT[/proto] [--from IP]`: follows one packet
// through the node's data plane (core/common/trace/traceNode.ts) and prints every rule it meets
// and where it can end up.

const PROTOCOLS: readonly TraceProtocol[] = ['tcp', 'udp', 'sctp'];

export async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('trace', argv, {
    node: { type: 'string' },
    to: { type: 'string' },
    from: { type: 'string' },
    'from-node': { type: 'boolean' },
    format: { type: 'string' },
    'all-rules': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await writeStdout(TRACE_HELP);
    return 0;
  }
  const path = onePositional('trace', positionals, '<snapshot> (a directory or .tar.gz)');
  const nodeName = values.node as string | undefined;
  if (nodeName === undefined || nodeName === '') throw new CliError('trace: --node NODE is required', true);
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliError(`trace: unknown --format ${quote(format)}; use text or json`, true);
  const query = parseDestination(values.to as string | undefined);
  const from = values.from as string | undefined;
  if (from !== undefined) query.src = parseSource(from);
  if (values['from-node']) query.fromLocalProcess = true;

  const snapshot = await loadSnapshot(path);
  const node = snapshot.nodes.find((n) => n.name === nodeName);
  if (!node) {
    const names = snapshot.nodes.map((n) => visibleText(n.name)).sort();
    throw new CliError(`node ${quote(nodeName)} is not in the snapshot; nodes: ${names.length > 0 ? names.join(', ') : '(none)'}`);
  }
  const { options, notes } = traceOptionsFromCluster(snapshot.clusterJson, node.name);
  const result = traceNode(node, query, { ...options, allRules: values['all-rules'] === true });
  if (result.error !== undefined) throw new CliError(`trace: ${result.error}`);
  result.notes.unshift(...notes);
  await writeStdout(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderTraceText(result));
  return 0;
}

/** `IP:PORT`, `[IPv6]:PORT`, each with an optional `/tcp|udp|sctp` (default tcp). */
export function parseDestination(value: string | undefined): TraceQuery {
  if (value === undefined || value === '') throw new CliError('trace: --to IP:PORT[/tcp|udp|sctp] is required', true);
  let rest = value.trim();
  let protocol: TraceProtocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (!(PROTOCOLS as readonly string[]).includes(p)) throw new CliError(`trace: unknown protocol ${quote(rest.slice(slash + 1))} in --to; use tcp, udp or sctp`, true);
    protocol = p as TraceProtocol;
    rest = rest.slice(0, slash);
  }
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(rest);
  if (v6) [host, portText] = [v6[1], v6[2]];
  else {
    const colon = rest.lastIndexOf(':');
    if (colon < 0 || rest.indexOf(':') !== colon) {
      throw new CliError(`trace: --to must look like IP:PORT or [IPv6]:PORT (optionally /tcp, /udp or /sctp), got ${quote(value)}`, true);
    }
    [host, portText] = [rest.slice(0, colon), rest.slice(colon + 1)];
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new CliError(`trace: port ${quote(portText)} in --to is not a port number (1-65535)`, true);
  if (!isAddress(host)) throw new CliError(`trace: ${quote(host)} in --to is not an IP address`, true);
  return { dst: host, port, protocol };
}

function parseSource(value: string): string {
  const v = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (!isAddress(v)) throw new CliError(`trace: --from ${quote(value)} is not an IP address`, true);
  return v;
}

function isAddress(s: string): boolean {
  return !s.includes('/') && !s.includes('%') && parseIp(s) !== null;
}

function quote(s: string): string {
  return JSON.stringify(visibleText(s));
}
