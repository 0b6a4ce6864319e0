import type { ClusterState, EndpointSlice, KubeNode, Malformed, Pod, Service } from '../model';

// Loads `cluster.json`: whatever `kubectl get svc,endpointslices,pods,nodes -A -o json` (a v1
// `List`) or the raw API (`ServiceList`, ...) prints, a single object, an array of any of those,
// or an object that already has the ClusterState shape. One JSON.parse, objects are used in
// place (no copies), and nothing throws: problems are returned as Malformed entries.

export interface ParsedCluster {
  state: ClusterState;
  problems: Malformed[];
}

type Kind = 'Service' | 'EndpointSlice' | 'Pod' | 'Node';
const KINDS = new Set<string>(['Service', 'EndpointSlice', 'Pod', 'Node']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Offset of a JSON.parse error. V8 says "... at position N", or for an unexpected token quotes
 * the source around it (`..."<10 chars before>X<after>"...`, or the whole text when short).
 */
function errorPosition(text: string, message: string): number | undefined {
  const pos = /at position (\d+)/.exec(message);
  if (pos) return Number(pos[1]);
  const tok = /^Unexpected token '([\s\S]+?)', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (tok) {
    const at = text.indexOf(tok[3]);
    if (at === -1) return undefined;
    if (tok[2]) return at + 10;
    const inSnippet = tok[3].indexOf(tok[1]);
    return at + Math.max(inSnippet, 0);
  }
  if (message.includes('Unexpected end of JSON input')) return text.length;
  return undefined;
}

function syntaxProblem(text: string, err: unknown): Malformed {
  const message = err instanceof Error ? err.message : String(err);
  const reason = `cluster.json is not valid JSON: ${message}`;
  const pos = errorPosition(text, message);
  if (pos === undefined || text.length === 0) return { line: 0, raw: '', reason };
  const at = Math.min(pos, text.length - 1);
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const endNl = text.indexOf('\n', at);
  const end = endNl === -1 ? text.length : endNl;
  const raw = text.slice(Math.max(start, at - 80), Math.min(end, at + 80));
  return { line: lineOf(text, at), raw, reason };
}

function describe(item: Record<string, unknown>): string {
  const meta = isObject(item.metadata) ? item.metadata : {};
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
  const name = typeof meta.name === 'string' ? meta.name : '(no name)';
  return `${String(item.kind ?? '(no kind)')} ${ns}${name}`;
}

export function parseClusterJson(text: string): ParsedCluster {
  const state: ClusterState = { services: [], endpointSlices: [], pods: [], nodes: [] };
  const problems: Malformed[] = [];
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    problems.push(syntaxProblem(text, err));
    return { state, problems };
  }

  const ignoredKinds = new Map<string, number>();

  const addItem = (item: Record<string, unknown>, kind: Kind): void => {
    const meta = item.metadata;
    if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') {
      problems.push({ line: 0, raw: describe(item), reason: `${kind} without metadata.name ignored` });
      return;
    }
    if (item.kind === undefined) item.kind = kind; // items of a typed list (ServiceList) omit kind
    switch (kind) {
      case 'Service':
        if (!isObject(item.spec)) item.spec = {};
        state.services.push(item as unknown as Service);
        break;
      case 'EndpointSlice':
        state.endpointSlices.push(item as unknown as EndpointSlice);
        break;
      case 'Pod':
        state.pods.push(item as unknown as Pod);
        break;
      case 'Node':
        state.nodes.push(item as unknown as KubeNode);
        break;
    }
  };

  // Breadth-first over containers (arrays, Lists, ClusterState-shaped objects), leaves handled
  // in place: no recursion (nesting depth is data-controlled) and no allocation per item.
  const queue: { items: unknown[]; listKind?: string }[] = [];
  const visit = (value: unknown, listKind: string | undefined): void => {
    if (Array.isArray(value)) {
      queue.push({ items: value, listKind });
      return;
    }
    if (!isObject(value)) {
      problems.push({ line: 0, raw: JSON.stringify(value)?.slice(0, 80) ?? '', reason: 'item is not an object; ignored' });
      return;
    }
    const kind = typeof value.kind === 'string' ? value.kind : undefined;
    if (Array.isArray(value.items) && (kind === undefined || kind.endsWith('List'))) {
      // `List` (mixed kinds) or `ServiceList` etc. whose items may omit `kind`.
      queue.push({ items: value.items, listKind: kind && kind !== 'List' ? kind.slice(0, -4) : undefined });
      return;
    }
    if (kind === undefined && listKind === undefined && isClusterStateShape(value)) {
      for (const [key, k] of STATE_PARTS) if (Array.isArray(value[key])) queue.push({ items: value[key] as unknown[], listKind: k });
      return;
    }
    const effective = kind ?? listKind;
    if (effective !== undefined && KINDS.has(effective)) {
      addItem(value, effective as Kind);
    } else {
      const k = effective ?? '(no kind)';
      ignoredKinds.set(k, (ignoredKinds.get(k) ?? 0) + 1);
    }
  };
  visit(root, undefined);
  for (let q = 0; q < queue.length; q++) {
    const { items, listKind } = queue[q];
    for (let i = 0; i < items.length; i++) visit(items[i], listKind);
  }

  for (const [kind, count] of ignoredKinds) {
    problems.push({
      line: 0,
      raw: kind,
      reason: `info: ignored ${count} item${count === 1 ? '' : 's'} of kind ${kind} (Proxyscope reads Service, EndpointSlice, Pod, Node)`,
    });
  }
  return { state, problems };
}

const STATE_PARTS: [string, Kind][] = [['services', 'Service'], ['endpointSlices', 'EndpointSlice'], ['pods', 'Pod'], ['nodes', 'Node']];

function isClusterStateShape(v: Record<string, unknown>): boolean {
  return Array.isArray(v.services) || Array.isArray(v.endpointSlices) || Array.isArray(v.pods) || Array.isArray(v.nodes);
}
