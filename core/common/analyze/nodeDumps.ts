import type { IptablesDump, SnapshotNode } from '../model';
import type { NodeDumps, ParsedFile } from '../checks/nodeLevel';
import { parseConntrack } from '../parse/conntrack';
import { parseIpAddr } from '../parse/ipAddr';
import { parseIpset } from '../parse/ipset';
import { parseIptablesSave } from '../parse/iptablesSave';
import { parseIpvsadm } from '../parse/ipvsadm';
import { parseNftDump } from '../parse/nftDump';

// Every data-plane capture of one node, parsed once: the iptables dumps of both backends and
// families, the nftables ruleset, ipvsadm / ipset / ip-addr (IPVS mode), conntrack, and
// kube-proxy's own answer to /proxyMode. Mode detection, the decoders and the node-level checks
// all read this one object. Files the node does not have are simply absent.

export interface IptablesFileSpec {
  name: string;
  family: 4 | 6;
  legacy: boolean;
}

/** Dump files read per family: the default (usually nf_tables) backend, then the legacy one. */
export const IPTABLES_FILES: readonly IptablesFileSpec[] = [
  { name: 'iptables-save.txt', family: 4, legacy: false },
  { name: 'iptables-legacy-save.txt', family: 4, legacy: true },
  { name: 'ip6tables-save.txt', family: 6, legacy: false },
  { name: 'ip6tables-legacy-save.txt', family: 6, legacy: true },
];

/** `nft -j list ruleset` first: JSON carries no ambiguity of the text grammar. */
export const NFT_FILES: readonly string[] = ['nft.json', 'nft.txt'];
export const IPVSADM_FILE = 'ipvsadm.txt';
export const IPSET_FILE = 'ipset.txt';
export const IP_ADDR_FILE = 'ip-addr.txt';
export const CONNTRACK_FILE = 'conntrack.txt';
export const PROXY_MODE_FILE = 'proxy-mode.txt';

/** Files that hold a kube-proxy data plane (the ones a node needs to be analyzed at all). */
export const DATA_PLANE_FILES: readonly string[] = [...IPTABLES_FILES.map((f) => f.name), ...NFT_FILES, IPVSADM_FILE];

export function iptablesFileSpec(name: string): IptablesFileSpec | undefined {
  return IPTABLES_FILES.find((f) => f.name === name);
}

export function snapshotPath(node: string, name: string): string {
  return `nodes/${node}/${name}`;
}

export function parseNodeDumps(node: SnapshotNode): NodeDumps {
  const files = node.files;
  const has = (name: string) => typeof files[name] === 'string';
  function parsed<T>(name: string, parse: (text: string) => T): ParsedFile<T> | undefined {
    return has(name) ? { file: snapshotPath(node.name, name), name, dump: parse(files[name]) } : undefined;
  }
  const iptables: ParsedFile<IptablesDump>[] = [];
  for (const spec of IPTABLES_FILES) {
    const f = parsed(spec.name, parseIptablesSave);
    if (!f) continue;
    // The parser guesses the family from addresses; the file name is authoritative.
    if (f.dump.family !== spec.family) f.dump = { ...f.dump, family: spec.family };
    iptables.push(f);
  }
  const dumps: NodeDumps = { iptables, nft: [] };
  for (const name of NFT_FILES) {
    const f = parsed(name, parseNftDump);
    if (f) dumps.nft.push(f);
  }
  const ipvs = parsed(IPVSADM_FILE, parseIpvsadm);
  if (ipvs) dumps.ipvs = ipvs;
  const ipset = parsed(IPSET_FILE, parseIpset);
  if (ipset) dumps.ipset = ipset;
  const ipAddr = parsed(IP_ADDR_FILE, parseIpAddr);
  if (ipAddr) dumps.ipAddr = ipAddr;
  const conntrack = parsed(CONNTRACK_FILE, parseConntrack);
  if (conntrack) dumps.conntrack = conntrack;
  if (has(PROXY_MODE_FILE)) {
    const mode = reportedModeText(files[PROXY_MODE_FILE]);
    if (mode !== '') dumps.reportedMode = { file: snapshotPath(node.name, PROXY_MODE_FILE), mode };
  }
  return dumps;
}

/**
 * kube-proxy's `GET :10249/proxyMode` answers with the bare mode name (cmd/kube-proxy/app/server.go);
 * a capture may add a trailing newline or the curl command line. The first word of the first line
 * that is not a shell prompt, lower-cased.
 */
export function reportedModeText(text: string): string {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('$') || line.startsWith('curl ')) continue;
    return line.split(/\s+/)[0].toLowerCase();
  }
  return '';
}

/** Lines the parsers could not read, over every parsed file. */
export function malformedLineCount(dumps: NodeDumps): number {
  let n = 0;
  for (const f of dumps.iptables) n += f.dump.malformed.length;
  for (const f of dumps.nft) n += f.dump.malformed.length;
  for (const f of [dumps.ipvs, dumps.ipset, dumps.ipAddr, dumps.conntrack]) n += f ? f.dump.malformed.length : 0;
  return n;
}

