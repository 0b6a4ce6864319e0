import { join } from 'node:path';
import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { CliError, parse } from '../args';
import { writeStdout } from '../output';
import { DEMO_HELP } from '../usage';
import { analyzeAndReport, REPORT_OPTIONS, reportSettings } from './report';

/** assets/demo, relative to the bundle in out/cli. */
export function demoSnapshotDir(): string {
  return join(__dirname, '..', '..', 'assets', 'demo');
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('demo', argv, REPORT_OPTIONS);
  if (values.help) {
    await writeStdout(DEMO_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`demo: unexpected argument ${JSON.stringify(positionals[0])}`, true);
  const settings = reportSettings(values, 'never');
  const snapshot = await loadSnapshot(demoSnapshotDir());
  return analyzeAndReport({ ...snapshot, source: 'demo' }, settings);
}
