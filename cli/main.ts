import { CliError, EXIT_USAGE } from './args';
import { analyzeCommand } from './commands/analyze';
import { demoCommand } from './commands/demo';
import { explainCommand } from './commands/explain';
import { traceCommand } from './commands/trace';
import { writeStdout } from './output';
import { MAIN_HELP } from './usage';
import { toolVersion } from './version';
import { SnapshotError } from '../core/node/snapshot/snapshotLayout';
import { visibleText } from '../core/common/report/visibleText';

// The `proxyscope` command (bundled to out/cli/proxyscope.cjs, started by bin/proxyscope.js).
// Plain Node: it never loads electron. Errors the user can fix are one line on stderr, exit 2.

type Command = (argv: string[]) => Promise<number>;

// scan, serve and contexts are loaded only when they run: analyze, explain, trace and demo need
// none of what they pull in (ssh2, the Kubernetes client, ws, ...), whose evaluation was ~50 ms of
// every run. The bundle (esbuild, one file) keeps them; import() only defers them. The analysing
// commands stay static imports: loading analyze through import() measured ~25 MB more peak RSS on
// a 10k-Service node.
const COMMANDS: Record<string, () => Promise<Command>> = {
  analyze: async () => analyzeCommand,
  explain: async () => explainCommand,
  trace: async () => traceCommand,
  demo: async () => demoCommand,
  contexts: async () => (await import('./commands/contexts')).contextsCommand,
  scan: async () => (await import('./commands/scan')).scanCommand,
  serve: async () => (await import('./commands/serve')).serveCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(MAIN_HELP);
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    await writeStdout(MAIN_HELP);
    return 0;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    await writeStdout(`proxyscope ${toolVersion()}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!load) throw new CliError(`unknown command ${JSON.stringify(visibleText(first))}`, true);
  return (await load())(rest);
}

function report(err: unknown): number {
  if (err instanceof CliError || err instanceof SnapshotError) {
    const hint = err instanceof CliError && err.showHelpHint ? " (see 'proxyscope --help')" : '';
    process.stderr.write(`proxyscope: error: ${visibleText(err.message)}${hint}\n`);
  } else {
    // A bug, or an environment problem (out of memory, permissions): still one line, with the
    // stack only on request.
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`proxyscope: error: ${visibleText(msg)}\n`);
    if (process.env.PROXYSCOPE_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  }
  return EXIT_USAGE;
}

// `proxyscope ... | head`: the reader went away; stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err);
  },
);
