import { visibleText } from '../../core/common/report/visibleText';
import { describeExec, execApprovalsPath, isExecApproved, loadExecApprovals, saveExecApproval } from '../../core/node/kube/execApproval';
import type { ExecIdentity } from '../../core/node/kube/execApproval';
import type { ContextInfo, Kubeconfig } from '../../core/node/kube/kubeconfig';
import { KubeconfigError, listContexts, loadKubeconfig } from '../../core/node/kube/kubeconfig';
import { CliError, parse } from '../args';
import { writeStdout } from '../output';
import { CONTEXTS_HELP } from '../usage';

// `proxyscope contexts`: the kubeconfig's contexts as kubectl would merge them, each with its
// own problem (a broken entry never hides the others), TLS-verification-off warnings and the
// exec plugins with their approval state. Reads files only: no network, no plugin runs.

function load(explicit: string | undefined): Kubeconfig {
  try {
    return loadKubeconfig({ ...(explicit !== undefined ? { explicit } : {}) });
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message);
    throw err;
  }
}

function identity(c: ContextInfo): ExecIdentity | undefined {
  return c.exec ? { command: c.exec.command, args: c.exec.args, envNames: c.exec.envNames } : undefined;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

function renderText(kc: Kubeconfig, contexts: ContextInfo[], approvedOf: (c: ContextInfo) => boolean | undefined): { out: string; err: string } {
  const t = (s: string): string => visibleText(s);
  const rows = [['CURRENT', 'NAME', 'CLUSTER', 'USER', 'NAMESPACE', 'SERVER']];
  for (const c of contexts) {
    rows.push([c.current ? '*' : '', t(c.name), t(c.cluster), t(c.user), t(c.namespace ?? ''), c.error ? `error: ${t(c.error)}` : t(c.server ?? '')]);
  }
  let out = contexts.length ? table(rows) : 'no contexts in the kubeconfig\n';
  const execLines = contexts
    .filter((c) => c.exec && !c.error)
    .map((c) => {
      const approved = approvedOf(c);
      const state = approved ? 'approved' : `not approved (proxyscope contexts --approve-exec ${t(c.name)})`;
      return `  ${t(c.name)}: ${t(c.exec?.command ?? '')} ${c.exec?.args.map(t).join(' ') ?? ''}`.trimEnd() + ` - ${state}`;
    });
  if (execLines.length) out += `\nCredential plugins (run only when approved):\n${execLines.join('\n')}\n`;
  const files = kc.files.map((f) => `${t(f.path)}${f.status === 'missing' ? ' (missing, skipped)' : ''}`).join(', ');
  out += `\nkubeconfig: ${files}\n`;
  const warnings = [...contexts.flatMap((c) => c.warnings), ...kc.warnings];
  const err = warnings.map((w) => `proxyscope: warning: ${t(w)}\n`).join('');
  return { out, err };
}

export async function contextsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('contexts', argv, {
    kubeconfig: { type: 'string' },
    format: { type: 'string' },
    'approve-exec': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await writeStdout(CONTEXTS_HELP);
    return 0;
  }
  if (positionals.length) throw new CliError(`contexts: unexpected argument ${JSON.stringify(positionals[0])}`, true);
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliError(`unknown --format ${JSON.stringify(format)}; use text or json`, true);
  const kc = load(values.kubeconfig as string | undefined);
  const contexts = listContexts(kc);
  const approvalsFile = execApprovalsPath();

  const approveName = values['approve-exec'] as string | undefined;
  if (approveName !== undefined) {
    const c = contexts.find((x) => x.name === approveName);
    if (!c) throw new CliError(`context ${JSON.stringify(visibleText(approveName))} is not in the kubeconfig`);
    const exec = identity(c);
    if (!exec) throw new CliError(`context ${JSON.stringify(visibleText(approveName))} has no credential plugin (exec) to approve`);
    saveExecApproval(exec, approvalsFile);
    await writeStdout(`approved the credential plugin of context "${visibleText(approveName)}":\n${visibleText(describeExec(exec), true)}\nstored in ${approvalsFile}\n`);
    return 0;
  }

  const approvals = loadExecApprovals(approvalsFile);
  const approvedOf = (c: ContextInfo): boolean | undefined => {
    const exec = identity(c);
    return exec ? isExecApproved(exec, approvals) : undefined;
  };
  if (format === 'json') {
    const doc = {
      files: kc.files,
      currentContext: kc.currentContext ?? null,
      contexts: contexts.map((c) => ({ ...c, ...(c.exec ? { execApproved: approvedOf(c) } : {}) })),
      warnings: [...kc.warnings, ...(approvals.warning ? [approvals.warning] : [])],
    };
    await writeStdout(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const { out, err } = renderText(kc, contexts, approvedOf);
  if (approvals.warning) process.stderr.write(`proxyscope: warning: ${visibleText(approvals.warning)}\n`);
  if (err) process.stderr.write(err);
  await writeStdout(out);
  return 0;
}
