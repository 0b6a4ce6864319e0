import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Severity } from '../core/common/model';
import { SEVERITIES } from '../core/common/model';

// Argument parsing shared by the commands (node:util parseArgs, strict), and the exit codes.

export const EXIT_OK = 0;
/** Findings at or above --fail-on. */
export const EXIT_FINDINGS = 1;
/** Bad usage or unusable input. */
export const EXIT_USAGE = 2;

/** An error the user can fix; printed as one line, exit 2. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** Suggest `--help` (usage errors, not input errors). */
    readonly showHelpHint = false,
  ) {
    super(message);
  }
}

export type ReportFormat = 'text' | 'json' | 'markdown' | 'html';
export const FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown', 'html'];
export type FailOn = Severity | 'never';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(command: string, argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs messages are already one readable line ("Unknown option '--x'").
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CliError(`${command}: ${msg}`, true);
  }
}

export function parseFormat(value: string | undefined): ReportFormat {
  if (value === undefined) return 'text';
  const v = value === 'md' ? 'markdown' : value;
  if ((FORMATS as readonly string[]).includes(v)) return v as ReportFormat;
  throw new CliError(`unknown --format ${JSON.stringify(value)}; use one of: ${FORMATS.join(', ')}`, true);
}

export function parseFailOn(value: string | undefined, fallback: FailOn): FailOn {
  if (value === undefined) return fallback;
  if (value === 'never' || value === 'none') return 'never';
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new CliError(`unknown --fail-on ${JSON.stringify(value)}; use one of: ${SEVERITIES.join(', ')}, never`, true);
}

export function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--workers must be a whole number >= 1, got ${JSON.stringify(value)}`, true);
  return n;
}

export function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0) throw new CliError(`${command}: missing ${what}`, true);
  if (positionals.length > 1) throw new CliError(`${command}: unexpected argument ${JSON.stringify(positionals[1])}`, true);
  return positionals[0];
}
