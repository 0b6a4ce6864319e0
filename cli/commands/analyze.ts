import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { onePositional, parse } from '../args';
import { writeStdout } from '../output';
import { ANALYZE_HELP } from '../usage';
import { analyzeAndReport, REPORT_OPTIONS, reportSettings } from './report';

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('analyze', argv, REPORT_OPTIONS);
  if (values.help) {
    await writeStdout(ANALYZE_HELP);
    return 0;
  }
  const settings = reportSettings(values, 'high');
  const path = onePositional('analyze', positionals, '<snapshot> (a directory or .tar.gz)');
  const snapshot = await loadSnapshot(path);
  return analyzeAndReport(snapshot, settings);
}
