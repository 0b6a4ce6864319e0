import type { Evidence, ProgrammedPath, ProgrammedServicePort } from '../model';

// Which dump lines to quote for a Service port or path: the entry rules first (what a reader
// greps for), then the chain's own rules.

export function servicePortEvidence(sp: ProgrammedServicePort, max = 8): Evidence[] {
  const out: Evidence[] = [];
  for (const f of sp.frontends) out.push(f.evidence);
  for (const m of sp.markers) out.push(m.evidence);
  for (const p of [sp.clusterPath, sp.localPath]) if (p) out.push(...pathEvidence(p, 3));
  return out.slice(0, max);
}

export function pathEvidence(path: ProgrammedPath, max = 4): Evidence[] {
  const out: Evidence[] = [...path.evidence];
  if (out.length === 0) for (const s of path.steps) out.push(s.evidence);
  return out.slice(0, max);
}
