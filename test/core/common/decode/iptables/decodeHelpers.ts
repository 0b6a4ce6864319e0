import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Evidence, ProgrammedFrontend, ProgrammedNode, ProgrammedPath, ProgrammedServicePort, Service } from '../../../../../core/common/model';
import { decodeIptables } from '../../../../../core/common/decode/iptables/decodeIptables';
import { buildIptablesNameTable } from '../../../../../core/common/kube/iptablesNameTable';
import type { IptablesNameTable } from '../../../../../core/common/kube/iptablesNameTable';
import { parseIptablesSave } from '../../../../../core/common/parse/iptablesSave';
import { readCorpus, toService } from '../../kube/corpusCluster';
import type { TService } from '../../kube/corpusCluster';

// Shared by the iptables decoder tests: fixture loading, name tables from the corpus inputs,
// and compact one-line summaries of the decoded model for table-driven expectations.

export const iptablesFixtureDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/corpus/iptables');

export function readRules(file: string): string {
  return readFileSync(join(iptablesFixtureDir, file), 'utf8');
}

/**
 * The grep excerpts mark tables with `# table nat` comments instead of `*nat`; turn those into
 * table headers (same line count, so evidence line numbers still match the file).
 */
export function withTableHeaders(text: string): string {
  return text.replace(/^# table (\w+)$/gm, '*$1');
}

/** Removes every `-m comment --comment …` (quoted or bare), as large-cluster mode drops them. */
export function stripComments(text: string): string {
  return text.replace(/ -m comment --comment (?:"(?:[^"\\]|\\.)*"|\S+)/g, '');
}

export function decodeText(text: string, names: IptablesNameTable | null, defaultTable?: string): ProgrammedNode {
  const dump = parseIptablesSave(text, defaultTable === undefined ? undefined : { defaultTable });
  return decodeIptables(dump, { node: 'node-a', file: 'nodes/node-a/iptables-save.txt', names });
}

export function namesFor(services: Service[], family: 4 | 6 = 4): IptablesNameTable {
  return buildIptablesNameTable(services, family);
}

export interface OverallInputs {
  services: TService[];
  expectedChainNames: Record<string, { iptables: { svc?: string; ext?: string; fw?: string; sep?: Record<string, string> } }>;
}

export function overallInputs(): OverallInputs {
  return readCorpus<OverallInputs>('k8s-test-overall-inputs.json');
}

export function overallNames(): IptablesNameTable {
  return namesFor(overallInputs().services.map(toService));
}

export function servicePort(node: ProgrammedNode, label: string): ProgrammedServicePort {
  const sp = node.servicePorts.find((s) => s.label === label);
  if (sp === undefined) throw new Error(`no service port ${label}; have ${node.servicePorts.map((s) => s.label).join(', ')}`);
  return sp;
}

/** `cluster-ip 172.30.0.41:80/tcp -> KUBE-SVC-… (cluster)`. */
export function frontendLine(f: ProgrammedFrontend): string {
  return `${f.kind} ${f.ip ?? '*'}:${f.port}/${f.protocol} -> ${f.target} (${f.path})`;
}

/** `10.180.0.1:80` per backend, in path order. */
export function backendsOf(path: ProgrammedPath | undefined): string[] {
  return (path?.backends ?? []).map((b) => (b.ip.includes(':') ? `[${b.ip}]:${b.port}` : `${b.ip}:${b.port}`));
}

/** `drop no-local-endpoints external-ip 192.168.99.22:80/tcp`. */
export function markerLines(sp: ProgrammedServicePort): string[] {
  return sp.markers.map((m) => {
    const f = m.frontend;
    return `${m.kind} ${m.reason}${f === undefined ? '' : ` ${f.kind} ${f.ip ?? '*'}:${f.port}/${f.protocol}`}`;
  });
}

/** Every piece of evidence in the model, to check it quotes the dump faithfully. */
export function allEvidence(node: ProgrammedNode): Evidence[] {
  const out: Evidence[] = [];
  for (const sp of node.servicePorts) {
    for (const f of sp.frontends) out.push(f.evidence, ...(f.extraEvidence ?? []));
    for (const m of sp.markers) out.push(m.evidence);
    for (const p of [sp.clusterPath, sp.localPath]) {
      if (p === undefined) continue;
      out.push(...p.evidence);
      for (const s of p.steps) out.push(s.evidence);
      for (const b of p.backends) out.push(...b.evidence);
    }
  }
  for (const m of node.nameMismatches) out.push(m.evidence);
  for (const u of node.facts.unmappedChains) out.push(u.evidence);
  return out;
}

/** Sum of backend probabilities of a path (1 when every packet is DNATed). */
export function probabilitySum(path: ProgrammedPath): number {
  return path.backends.reduce((sum, b) => sum + (b.probability ?? 0), 0);
}
