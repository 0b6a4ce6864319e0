import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseYaml } from './yaml';
import { readClusters, readContexts, readUsers } from './kubeconfigEntries';
import type { Kubeconfig, KubeconfigFile } from './kubeconfigTypes';
import { KubeconfigError } from './kubeconfigTypes';

// Loads kubeconfig the way kubectl does (client-go tools/clientcmd/loader.go,
// ClientConfigLoadingRules.Load):
//  - `--kubeconfig F`: that file only, and it must exist;
//  - else KUBECONFIG: a path list, empty and repeated entries dropped, missing files skipped;
//    merged so that the FIRST file to define a cluster/user/context name wins, and
//    current-context comes from the first file that sets one;
//  - else ~/.kube/config.
// YAML goes through js-yaml's safe default schema (yaml.ts); a file that is not
// readable YAML stops the load (kubectl fails too), a bad entry only marks that entry.

export interface KubeconfigLocation {
  /** `--kubeconfig`. */
  explicit?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Bigger than any real kubeconfig; refuses a file that would take the app down. */
const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

export function kubeconfigPaths(loc: KubeconfigLocation = {}): { paths: string[]; origin: 'flag' | 'KUBECONFIG' | 'default' } {
  if (loc.explicit !== undefined && loc.explicit !== '') return { paths: [resolve(loc.explicit)], origin: 'flag' };
  const env = (loc.env ?? process.env).KUBECONFIG;
  if (env !== undefined && env !== '') {
    const seen = new Set<string>();
    const paths: string[] = [];
    for (const p of env.split(delimiter)) {
      if (p === '') continue;
      const abs = resolve(p);
      if (seen.has(abs)) continue;
      seen.add(abs);
      paths.push(abs);
    }
    if (paths.length) return { paths, origin: 'KUBECONFIG' };
  }
  return { paths: [join(loc.home ?? homedir(), '.kube', 'config')], origin: 'default' };
}

function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** The file's text, or null when it does not exist. */
function readKubeconfigText(path: string): string | null {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new KubeconfigError(`cannot read kubeconfig ${path}: it is a directory`);
    size = st.size;
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    if (errnoCode(err) === 'ENOENT') return null;
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${errnoCode(err)}`);
  }
  if (size > MAX_KUBECONFIG_BYTES) throw new KubeconfigError(`kubeconfig ${path} is ${size} bytes; that is not a kubeconfig`);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${errnoCode(err)}`);
  }
}

function parseKubeconfig(path: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // js-yaml's message quotes the lines around the error, which can hold a token: keep only
    // the reason and position.
    const e = err as { reason?: string; mark?: { line?: number; column?: number } };
    const where = e.mark?.line !== undefined ? ` at line ${e.mark.line + 1}, column ${(e.mark.column ?? 0) + 1}` : '';
    throw new KubeconfigError(`kubeconfig ${path} is not valid YAML: ${e.reason ?? 'parse error'}${where}`);
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeconfigError(`kubeconfig ${path} is not a kubeconfig (not a YAML mapping)`);
  return doc as Record<string, unknown>;
}

export function loadKubeconfig(loc: KubeconfigLocation = {}): Kubeconfig {
  const { paths, origin } = kubeconfigPaths(loc);
  const kc: Kubeconfig = { files: [], clusters: new Map(), users: new Map(), contexts: new Map(), warnings: [] };
  for (const path of paths) {
    const text = readKubeconfigText(path);
    if (text === null) {
      if (origin === 'flag') throw new KubeconfigError(`cannot read kubeconfig ${path}: no such file`);
      kc.files.push({ path, status: 'missing' });
      continue;
    }
    kc.files.push({ path, status: 'loaded' } satisfies KubeconfigFile);
    mergeFile(kc, path, parseKubeconfig(path, text));
  }
  if (!kc.files.some((f) => f.status === 'loaded')) {
    const where = origin === 'KUBECONFIG' ? `none of the KUBECONFIG files exist (${paths.join(', ')})` : `${paths[0]} does not exist`;
    throw new KubeconfigError(`no kubeconfig: ${where}; pass --kubeconfig FILE or set KUBECONFIG`);
  }
  if (kc.currentContext !== undefined && !kc.contexts.has(kc.currentContext)) {
    kc.warnings.push(`current-context "${kc.currentContext}" is not defined in the kubeconfig; choose a context explicitly`);
  }
  return kc;
}

function mergeFile(kc: Kubeconfig, path: string, doc: Record<string, unknown>): void {
  const clusters = readClusters(path, doc.clusters);
  const users = readUsers(path, doc.users);
  const contexts = readContexts(path, doc.contexts);
  kc.warnings.push(...clusters.warnings, ...users.warnings, ...contexts.warnings);
  // First file to set a name wins; later definitions are ignored (client-go's merge).
  for (const c of clusters.entries) if (!kc.clusters.has(c.name)) kc.clusters.set(c.name, c);
  for (const u of users.entries) if (!kc.users.has(u.name)) kc.users.set(u.name, u);
  for (const c of contexts.entries) if (!kc.contexts.has(c.name)) kc.contexts.set(c.name, c);
  const current = doc['current-context'];
  if (kc.currentContext === undefined && typeof current === 'string' && current !== '') kc.currentContext = current;
}

export { listContexts } from './listContexts';
export type { ContextInfo, ExecSummary } from './listContexts';
export { KubeconfigError } from './kubeconfigTypes';
export type { Kubeconfig } from './kubeconfigTypes';
