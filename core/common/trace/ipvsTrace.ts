import type { IpvsDump, IpvsRealServer, IpvsVirtualService } from '../model/ipvs';
import { canonicalIp, formatIp, hostPort, parseIp } from '../ip/ipMath';
import { finishAccepted } from './iptablesTrace';
import type { PathState, SideSpec, TraceEnv } from './tracePath';
import { finish, fork } from './tracePath';
import { step } from './traceSteps';
import type { TraceHit, TraceOutcome } from './traceTypes';

// The IPVS part of the trace (pkg/proxy/ipvs/proxier.go): the virtual server for (protocol,
// address, port) picks a real server. kube-proxy gives every real server weight 1 and uses rr by
// default, so each active server is equally likely; weight 0 marks an endpoint in graceful
// termination (graceful_termination.go): it keeps its connections and gets no new ones. With no
// server left ip_vs answers ICMP port unreachable (ip_vs_leave in the kernel).
// The iptables rules around it (KUBE-SERVICES match-sets, KUBE-POSTROUTING masquerade) are
// traced by iptablesTrace.ts, which calls `schedule` between filter INPUT (or nat OUTPUT) and
// POSTROUTING.

export interface IpvsStage {
  schedule: (p: PathState) => PathState[];
  /** No iptables dump: schedule and end there. */
  alone: (p: PathState) => void;
  /** Rows for real servers with weight 0 (probability 0) seen by `schedule`. */
  draining: () => TraceOutcome[];
}

const PROTO: Record<string, string> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

export function ipvsStage(env: TraceEnv, dump: IpvsDump, noAddressDump: boolean): IpvsStage {
  const byKey = new Map<string, IpvsVirtualService>();
  for (const vs of dump.services) {
    if (!vs.address || vs.family !== env.family) continue;
    const key = `${vs.protocol} ${canonicalIp(vs.address.ip)} ${vs.address.port}`;
    const prev = byKey.get(key);
    // Several listings in one capture: prefer the one that prints weights.
    if (!prev || (prev.realServers.every((r) => r.weight === undefined) && vs.realServers.some((r) => r.weight !== undefined))) byKey.set(key, vs);
    // kube-proxy binds every Service address to kube-ipvs0; without `ip -o addr` take that as given.
    if (noAddressDump) env.local.add(canonicalIp(vs.address.ip));
  }
  if (noAddressDump && byKey.size > 0) env.notes.push('no ip-addr.txt: the virtual-server addresses are taken as local (kube-proxy binds them to kube-ipvs0)');
  if (dump.services.some((s) => s.protocol === 'FWM')) env.notes.push('firewall-mark (FWM) virtual servers are not traced (kube-proxy does not create them)');
  const draining: TraceOutcome[] = [];
  const seen = new Set<IpvsRealServer>();

  const ipvsFile = env.file;
  /** Runs `body` with steps and hits attributed to ipvsadm.txt (the caller may be walking iptables rules). */
  const asIpvs = <T>(body: () => T): T => {
    const saved = [env.plane, env.file] as const;
    env.plane = 'ipvs';
    env.file = ipvsFile;
    try {
      return body();
    } finally {
      [env.plane, env.file] = saved;
    }
  };

  const schedule = (p: PathState): PathState[] => asIpvs(() => scheduleIn(p));
  const scheduleIn = (p: PathState): PathState[] => {
    const key = `${PROTO[env.query.protocol]} ${p.dstText} ${p.dport}`;
    const vs = byKey.get(key);
    const where = { table: 'ipvs', depth: 0 };
    if (!vs) {
      step(env, p, { ...where, kind: 'info', chain: '', line: 0, raw: '', matched: false, note: `no IPVS virtual server for ${PROTO[env.query.protocol]} ${hostPort(p.dstText, p.dport)}: not scheduled by IPVS` });
      return [p];
    }
    const chain = `${vs.protocol} ${hostPort(p.dstText, p.dport)}`;
    const hit: TraceHit = { plane: 'ipvs', file: ipvsFile, table: 'ipvs', chain, line: vs.line, raw: vs.raw };
    const sched = vs.scheduler ?? 'rr';
    const persistent = vs.persistent !== undefined ? `, persistent ${vs.persistent}s (a client keeps its first real server)` : '';
    step(env, p, { ...where, kind: 'rule', chain, line: vs.line, raw: vs.raw, matched: true, note: `virtual server, scheduler ${sched}${persistent}` });
    const weight = (r: IpvsRealServer) => r.weight ?? 1;
    const active = vs.realServers.filter((r) => weight(r) > 0);
    const total = active.reduce((a, r) => a + weight(r), 0);
    const equal = sched === 'rr';
    const share = (r: IpvsRealServer) => (equal ? 1 / active.length : weight(r) / total);
    for (const r of vs.realServers) {
      const w = weight(r);
      const rs = hostPort(r.address.ip, r.address.port);
      const note = w > 0 ? `real server ${rs}, weight ${r.weight ?? '? (not in this listing)'}: p=${fmtP(share(r))}` : `real server ${rs}, weight 0: draining, no new connections`;
      step(env, p, { ...where, kind: 'rule', chain, line: r.line, raw: r.raw, matched: w > 0 ? 'branch' : false, note });
      if (w === 0 && !seen.has(r)) {
        seen.add(r);
        draining.push({
          kind: 'dnat',
          ip: canonicalIp(r.address.ip),
          port: r.address.port,
          probability: 0,
          when: [],
          masquerade: false,
          weight: 0,
          draining: true,
          decidedBy: { ...hit, line: r.line, raw: r.raw },
          note: 'weight 0: keeps existing connections, gets no new ones',
        });
      }
    }
    if (active.length === 0) {
      finish(env, p, {
        kind: 'reject',
        masquerade: false,
        decidedBy: hit,
        note: vs.realServers.length === 0 ? 'IPVS virtual server without real servers: ICMP port unreachable' : 'every real server has weight 0: ICMP port unreachable for new connections',
      });
      return [];
    }
    const sides: SideSpec[] = active.map((r) => ({ conds: [], p: share(r), label: `real server ${hostPort(r.address.ip, r.address.port)} (p=${fmtP(share(r))})` }));
    const out: PathState[] = [];
    const open = fork(env, p, sides, true);
    for (const o of open) {
      const r = active[o.index];
      const ip = parseIp(r.address.ip);
      if (!ip) continue;
      step(env, o.state, { ...where, kind: 'branch', chain, line: r.line, raw: r.raw, matched: 'branch', note: o.label });
      const q = o.state;
      q.dst = ip;
      q.dstText = formatIp(ip);
      q.dport = r.address.port;
      q.ipvs = true;
      q.dnat = { ...hit, line: r.line, raw: r.raw, ip: q.dstText, port: r.address.port };
      if (r.forward && r.forward !== 'Masq') q.notes.push(`forwarding method ${r.forward}`);
      if (vs.persistent !== undefined) q.notes.push(`persistent ${vs.persistent}s: a returning client keeps its real server`);
      if (!equal && sched !== 'wrr') q.notes.push(`scheduler ${sched} picks by load or hash; weight share shown`);
      out.push(q);
    }
    return out;
  };

  return {
    schedule,
    alone: (p) =>
      asIpvs(() => {
        for (const q of scheduleIn(p)) {
          q.notes.push('masquerading not known (no iptables dump)');
          finishAccepted(env, q);
        }
      }),
    draining: () => draining,
  };
}

function fmtP(p: number): string {
  return Number(p.toFixed(4)).toString();
}
