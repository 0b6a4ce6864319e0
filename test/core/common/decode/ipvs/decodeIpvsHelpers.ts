import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterState, ProgrammedNode, ProgrammedPath, ProgrammedServicePort } from '../../../../../core/common/model';
import type { IpvsDecodeContext } from '../../../../../core/common/decode/ipvs/decodeIpvs';
import { decodeIpvs } from '../../../../../core/common/decode/ipvs/decodeIpvs';
import { buildIptablesNameTable } from '../../../../../core/common/kube/iptablesNameTable';
import { parseIpAddr } from '../../../../../core/common/parse/ipAddr';
import { parseIpset } from '../../../../../core/common/parse/ipset';
import { parseIpvsadm } from '../../../../../core/common/parse/ipvsadm';

// Shared by the decodeIpvs tests: corpus access, parse+decode in one call, compact views.

const CORPUS = join(__dirname, '..', '..', '..', '..', 'fixtures', 'corpus');

export function corpus(path: string): string {
  return readFileSync(join(CORPUS, path), 'utf8');
}

export interface DecodeTexts {
  ipvsadm: string;
  ipset?: string;
  ipAddr?: string;
}

export function decodeTexts(texts: DecodeTexts, ctx: Partial<IpvsDecodeContext> & { state?: ClusterState } = {}): ProgrammedNode {
  const node = ctx.node ?? 'n1';
  const f = <T>(name: string, dump: T) => ({ file: `nodes/${node}/${name}`, name, dump });
  const family = ctx.family ?? 4;
  return decodeIpvs(
    {
      ipvs: f('ipvsadm.txt', parseIpvsadm(texts.ipvsadm)),
      ...(texts.ipset !== undefined ? { ipset: f('ipset.txt', parseIpset(texts.ipset)) } : {}),
      ...(texts.ipAddr !== undefined ? { ipAddr: f('ip-addr.txt', parseIpAddr(texts.ipAddr)) } : {}),
    },
    {
      node,
      family,
      names: ctx.names !== undefined ? ctx.names : ctx.state ? buildIptablesNameTable(ctx.state.services, family) : null,
      nodeIPs: ctx.nodeIPs ?? [],
      ...(ctx.policies ? { policies: ctx.policies } : {}),
    },
  );
}

export function backendsOf(path: ProgrammedPath | undefined): string[] {
  return (path?.backends ?? []).map((b) => (b.ip.includes(':') ? `[${b.ip}]:${b.port}` : `${b.ip}:${b.port}`));
}

/** label -> frontends `kind ip:port>path` and both paths' backends, for whole-model comparisons. */
export function summary(p: ProgrammedNode): Record<string, { frontends: string[]; cluster?: string[]; local?: string[] }> {
  const out: Record<string, { frontends: string[]; cluster?: string[]; local?: string[] }> = {};
  for (const sp of p.servicePorts) out[sp.label] = summarize(sp);
  return out;
}

function summarize(sp: ProgrammedServicePort): { frontends: string[]; cluster?: string[]; local?: string[] } {
  const s: { frontends: string[]; cluster?: string[]; local?: string[] } = {
    frontends: sp.frontends.map((f) => `${f.kind} ${f.ip ?? '*'}:${f.port}>${f.path}`),
  };
  if (sp.clusterPath) s.cluster = backendsOf(sp.clusterPath);
  if (sp.localPath) s.local = backendsOf(sp.localPath);
  return s;
}
