import type { IpsetDump, IpsetMember, IpsetSet } from '../model/ipset';
import type { Cidr } from '../ip/ipMath';
import { canonicalIp, cidrContainsIp, parseCidr } from '../ip/ipMath';
import type { Fact } from './traceFacts';
import { srcInCidr } from './traceFacts';
import { factCond } from './traceConditions';
import type { PathState, TraceEnv } from './tracePath';

// `-m set --match-set NAME dst,dst` against the node's `ipset list` / `ipset save` dump: the
// sets kube-proxy's IPVS mode matches on (pkg/proxy/ipvs/ipset.go: KUBE-CLUSTER-IP hash:ip,port,
// KUBE-LOOP-BACK hash:ip,port,ip, KUBE-NODE-PORT-TCP bitmap:port, ...). A dimension taken from
// the unknown source address makes the answer a condition on the source.

type Dim = 'ip' | 'net' | 'port';

const SUPPORTED: Record<string, Dim[]> = {
  'hash:ip': ['ip'],
  'hash:net': ['net'],
  'hash:ip,port': ['ip', 'port'],
  'hash:net,port': ['net', 'port'],
  'hash:ip,port,ip': ['ip', 'port', 'ip'],
  'hash:ip,port,net': ['ip', 'port', 'net'],
  'bitmap:port': ['port'],
  'bitmap:ip': ['ip'],
};

/** Per-set index of members by their first address (exact hash:ip* lookups on 10k-member sets). */
const INDEX = new WeakMap<IpsetSet, Map<string, IpsetMember[]>>();

function byFirstAddress(set: IpsetSet): Map<string, IpsetMember[]> {
  let idx = INDEX.get(set);
  if (!idx) {
    idx = new Map();
    for (const m of set.members) {
      if (m.address === undefined) continue;
      const k = canonicalIp(m.address);
      const list = idx.get(k);
      if (list) list.push(m);
      else idx.set(k, [m]);
    }
    INDEX.set(set, idx);
  }
  return idx;
}

function memberCidr(address: string | undefined, prefix: number | undefined): Cidr | null {
  if (address === undefined) return null;
  return parseCidr(prefix === undefined ? address : `${address}/${prefix}`);
}

/** Undefined when the set (or its type) is not in the dump: the caller makes it a condition. */
export function ipsetMatch(env: TraceEnv, p: PathState, dump: IpsetDump | undefined, name: string, flagText: string): Fact | undefined {
  const set = dump?.sets.get(name);
  if (!set || set.type === undefined) return undefined;
  const dims = SUPPORTED[set.type];
  if (!dims) return undefined;
  const flags = flagText.split(',');
  const n = Math.min(dims.length, flags.length);
  if (n === 0) return undefined;
  const exactFirst = dims[0] === 'ip' && flags[0] === 'dst' && set.type.startsWith('hash:');
  const candidates = exactFirst ? (byFirstAddress(set).get(p.dstText) ?? []) : set.members;
  const needSrc: Cidr[] = [];
  let matched = false;
  for (const m of candidates) {
    let srcReq: Cidr | null = null;
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const dim = dims[i];
      const flag = flags[i];
      if (dim === 'port') {
        if (flag !== 'dst') return factCond(`ipset:${name}:${flagText}`, `packet matches ipset ${name} (${flagText})`, `packet does not match ipset ${name} (${flagText})`);
        const proto = m.protocol ?? (set.type === 'bitmap:port' ? env.query.protocol : 'tcp');
        const lo = m.port ?? -1;
        const hi = m.portEnd ?? lo;
        ok = proto === env.query.protocol && p.dport >= lo && p.dport <= hi;
        continue;
      }
      const c = i === 0 ? memberCidr(m.address, m.prefix) : memberCidr(m.address2, m.prefix2);
      if (c === null) {
        ok = false;
        continue;
      }
      if (flag === 'dst') ok = cidrContainsIp(c, p.dst);
      else if (env.src) ok = cidrContainsIp(c, env.src);
      else srcReq = c;
    }
    if (!ok) continue;
    if (m.nomatch) continue;
    if (srcReq === null) {
      matched = true;
      break;
    }
    needSrc.push(srcReq);
  }
  if (matched) return true;
  if (needSrc.length === 0) return false;
  if (needSrc.length === 1) return srcInCidr(env, p, needSrc[0]);
  const list = needSrc.map((c) => c.text).join(', ');
  return factCond(`ipset:${name}:${flagText}:src`, `source is one of ${list} (ipset ${name})`, `source is none of ${list} (ipset ${name})`);
}
