import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { onePositional, parse, parseFailOn, parseFormat, parseWorkers } from '../args';
import { writeStdout } from '../output';
import { ANALYZE_HELP } from '../usage';
import { analyzeAndReport } from './report';

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('analyze', argv, {
    format: { type: 'string' },
    out: { type: 'string' },
    'fail-on': { type: 'string' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await writeStdout(ANALYZE_HELP);
    return 0;
  }
  const format = parseFormat(values.format as string | undefined);
  const failOn = parseFailOn(values['fail-on'] as string | undefined, 'high');
  const workers = parseWorkers(values.workers as string | undefined);
  const path = onePositional('analyze', positionals, '<snapshot> (a directory or .tar.gz)');
  const snapshot = await loadSnapshot(path);
  return analyzeAndReport(snapshot, { format, out: values.out as string | undefined, failOn, workers });
}
