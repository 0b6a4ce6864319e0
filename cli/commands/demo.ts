import { join } from 'node:path';
import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { CliError, parse, parseFailOn, parseFormat, parseWorkers } from '../args';
import { writeStdout } from '../output';
import { DEMO_HELP } from '../usage';
import { analyzeAndReport } from './report';

/** assets/demo, relative to the bundle in out/cli. */
export function demoSnapshotDir(): string {
  return join(__dirname, '..', '..', 'assets', 'demo');
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('demo', argv, {
    format: { type: 'string' },
    out: { type: 'string' },
    'fail-on': { type: 'string' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await writeStdout(DEMO_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`demo: unexpected argument ${JSON.stringify(positionals[0])}`, true);
  const format = parseFormat(values.format as string | undefined);
  const failOn = parseFailOn(values['fail-on'] as string | undefined, 'never');
  const workers = parseWorkers(values.workers as string | undefined);
  const snapshot = await loadSnapshot(demoSnapshotDir());
  return analyzeAndReport({ ...snapshot, source: 'demo' }, { format, out: values.out as string | undefined, failOn, workers });
}
