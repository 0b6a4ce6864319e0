import { createHash } from 'node:crypto';
import { ipToInt } from './ids';
import type { IpvsProtocolName } from './ipvsFaults';

// The exact print formats of the tools an IPVS node is captured with, for IPv4:
//   ipvsadm -Ln --exact   ipvsadm 1.31 ipvsadm.c list_all / print_title / print_service_entry:
//                         service `%-4s %s` + ` %s` scheduler (+ ` (flags)`, ` persistent %u`),
//                         real server `  -> %-28s %-7s %-6d %-10u %-10u` (trailing spaces kept);
//                         services sorted by protocol number, address, port (ipvs_cmp_services),
//                         real servers by address, port (ipvs_cmp_dests).
//   ipset list            ipset 7.x: Name/Type/Revision/Header/Size in memory/References/
//                         Number of entries/Members, a blank line between sets; revisions,
//                         headers and sizes as kernel 6.x prints them for kube-proxy's set types.
//   ip -o addr show       iproute2 6.x one-line form with `\` before valid_lft.
// Real ipvsadm compares addresses as a wrapped int (ntohl difference cast to int), so it can order
// 192.168.x before 10.x; plain numeric order is used here (the order carries no meaning).

export interface IpvsRealServerModel {
  ip: string;
  port: number;
  weight: number;
  activeConn: number;
  inActConn: number;
}

export interface IpvsVirtualServerModel {
  protocol: IpvsProtocolName;
  ip: string;
  port: number;
  scheduler: string;
  /** Scheduler flags as print_sched_flags names them (`mh-port`). */
  schedulerFlags?: string[];
  /** ClientIP affinity timeout (`persistent N`). */
  persistent?: number;
  realServers: IpvsRealServerModel[];
}

export type KubeIpsetType = 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'hash:ip' | 'bitmap:port';

export interface IpsetModel {
  name: string;
  type: KubeIpsetType;
  /** Members as ipset prints them (`10.96.0.10,udp:53`, `30080`). */
  members: string[];
}

export interface IpAddrModel {
  index: number;
  ifname: string;
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  brd?: string;
  scope: 'host' | 'global';
}

const PROTOCOL_NUMBER: Record<IpvsProtocolName, number> = { TCP: 6, UDP: 17, SCTP: 132 };

function byAddressPort(a: { ip: string; port: number }, b: { ip: string; port: number }): number {
  return ipToInt(a.ip) - ipToInt(b.ip) || a.port - b.port;
}

/** `ipvsadm -Ln --exact` for IPv4 virtual servers. */
export function formatIpvsadm(services: readonly IpvsVirtualServerModel[]): string {
  const lines = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  const sorted = services.slice().sort((a, b) => PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol] || byAddressPort(a, b));
  for (const vs of sorted) {
    let line = `${vs.protocol.padEnd(4)} ${vs.ip}:${vs.port} ${vs.scheduler}`;
    if (vs.schedulerFlags?.length) line += ` (${vs.schedulerFlags.join(',')})`;
    if (vs.persistent !== undefined) line += ` persistent ${vs.persistent}`;
    lines.push(line);
    for (const rs of vs.realServers.slice().sort(byAddressPort)) {
      lines.push(
        `  -> ${`${rs.ip}:${rs.port}`.padEnd(28)} ${'Masq'.padEnd(7)} ${String(rs.weight).padEnd(6)} ${String(rs.activeConn).padEnd(10)} ${String(rs.inActConn).padEnd(10)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

// [revision, empty size, bytes per entry] as kernel 6.x / ipset 7.x report them.
const SET_SHAPE: Record<KubeIpsetType, [number, number, number]> = {
  'hash:ip,port': [7, 216, 48],
  'hash:ip,port,ip': [6, 208, 56],
  'hash:ip,port,net': [8, 464, 56],
  'hash:ip': [6, 216, 40],
  'bitmap:port': [3, 8264, 0],
};

/** A stable stand-in for the random hash seed ipset prints as `initval`. */
function initval(name: string): string {
  return `0x${createHash('sha256').update(`initval:${name}`).digest('hex').slice(0, 8)}`;
}

/** `ipset list`; `references` = iptables rules matching each set (the kernel's reference count). */
export function formatIpsetList(sets: readonly IpsetModel[], references: ReadonlyMap<string, number>): string {
  const blocks = sets.map((s) => {
    const [revision, base, per] = SET_SHAPE[s.type];
    const header = s.type === 'bitmap:port' ? 'range 0-65535' : `family inet hashsize 1024 maxelem 65536 bucketsize 12 initval ${initval(s.name)}`;
    return [
      `Name: ${s.name}`,
      `Type: ${s.type}`,
      `Revision: ${revision}`,
      `Header: ${header}`,
      `Size in memory: ${base + per * s.members.length}`,
      `References: ${references.get(s.name) ?? 0}`,
      `Number of entries: ${s.members.length}`,
      'Members:',
      ...s.members,
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** `ip -o addr show`. */
export function formatIpAddr(addresses: readonly IpAddrModel[]): string {
  const lines = addresses.map((a) => {
    const brd = a.brd ? ` brd ${a.brd}` : '';
    // iproute2 prints the label (the interface name) only for IPv4 addresses.
    const label = a.family === 'inet' ? ` ${a.ifname}` : ' ';
    return `${a.index}: ${a.ifname}    ${a.family} ${a.address}/${a.prefix}${brd} scope ${a.scope}${label}\\       valid_lft forever preferred_lft forever`;
  });
  return `${lines.join('\n')}\n`;
}
