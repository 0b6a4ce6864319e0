import type { SnapshotData, SnapshotNode } from '../../common/model';

// The on-disk layout of a snapshot, shared by the directory and tarball readers and the writer:
//   cluster.json
//   nodes/<node>/<file>        (iptables-save.txt, ip6tables-save.txt, node.json, nft.json, ...)
// Names come from untrusted archives and from the cluster, so they are validated before use as
// path parts: a name is one path segment, never `.`/`..`, no separators, no control characters.

export const CLUSTER_FILE = 'cluster.json';
export const NODES_DIR = 'nodes';

/** Limits that keep a hostile or broken snapshot from exhausting memory. */
export interface SnapshotLimits {
  /** Sum of all file sizes read. */
  maxTotalBytes: number;
  /** One file; a JS string cannot hold much more than 512 MiB anyway. */
  maxFileBytes: number;
  /** Entries (files and directories) in an archive, files in a directory tree. */
  maxEntries: number;
}

export const DEFAULT_LIMITS: SnapshotLimits = {
  maxTotalBytes: 2 * 1024 ** 3,
  maxFileBytes: 500 * 1024 ** 2,
  maxEntries: 20_000,
};

/** Thrown for anything wrong with the input; the CLI prints `message` as a one-line error. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

// C0 controls, DEL, C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `name` cannot be a node or file name, or null when it can. */
export function invalidNameReason(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name === '.' || name === '..') return `"${name}" is not a name`;
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (CONTROL.test(name)) return 'contains a control character';
  if (name.length > 253) return 'longer than 253 characters';
  return null;
}

export function assertValidName(kind: 'node' | 'file', name: string, where: string): void {
  const reason = invalidNameReason(name);
  if (reason !== null) throw new SnapshotError(`invalid ${kind} name ${JSON.stringify(name)} in ${where}: ${reason}`);
}

/**
 * Builds SnapshotData from archive-relative paths (`cluster.json`, `nodes/n1/iptables-save.txt`),
 * after removing a single wrapping top-level folder when the layout is not at the root.
 * Paths outside the layout (README, checksums, ...) are ignored.
 */
export function assembleSnapshot(source: string, files: Map<string, string>, dirs: Set<string>): SnapshotData {
  const prefix = layoutPrefix([...files.keys(), ...dirs]);
  if (prefix === null) throw notASnapshot(source);
  let clusterJson: string | undefined;
  const nodes = new Map<string, SnapshotNode>();
  const addNode = (name: string): SnapshotNode => {
    let node = nodes.get(name);
    if (!node) {
      assertValidName('node', name, source);
      node = { name, files: {} };
      nodes.set(name, node);
    }
    return node;
  };
  for (const dir of dirs) {
    const parts = strip(dir, prefix);
    if (parts && parts.length >= 2 && parts[0] === NODES_DIR) addNode(parts[1]);
  }
  for (const [path, text] of files) {
    const parts = strip(path, prefix);
    if (!parts) continue;
    if (parts.length === 1 && parts[0] === CLUSTER_FILE) clusterJson = text;
    else if (parts.length === 3 && parts[0] === NODES_DIR) {
      assertValidName('file', parts[2], source);
      addNode(parts[1]).files[parts[2]] = text;
    }
  }
  return { source, ...(clusterJson !== undefined ? { clusterJson } : {}), nodes: sortNodes([...nodes.values()]) };
}

export function notASnapshot(source: string): SnapshotError {
  return new SnapshotError(`not a snapshot: ${source} has neither ${CLUSTER_FILE} nor a ${NODES_DIR}/ folder`);
}

/** Node order is by name so reports are stable whatever order the archive or fs gives. */
export function sortNodes(nodes: SnapshotNode[]): SnapshotNode[] {
  return nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isLayoutRoot(first: string): boolean {
  return first === CLUSTER_FILE || first === NODES_DIR;
}

/** '' when the layout is at the root, 'top' when wrapped in one folder, null when absent. */
function layoutPrefix(paths: string[]): string | null {
  const tops = new Set<string>();
  let atRoot = false;
  for (const p of paths) {
    const parts = p.split('/');
    if (isLayoutRoot(parts[0])) atRoot = true;
    tops.add(parts[0]);
  }
  if (atRoot) return '';
  if (tops.size !== 1) return null;
  const [top] = tops;
  const wrapped = paths.some((p) => {
    const parts = p.split('/');
    return parts.length >= 2 && isLayoutRoot(parts[1]);
  });
  return wrapped ? top : null;
}

function strip(path: string, prefix: string): string[] | null {
  const parts = path.split('/');
  if (prefix === '') return parts;
  return parts[0] === prefix ? parts.slice(1) : null;
}
