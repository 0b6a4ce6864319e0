import { writeFile } from 'node:fs/promises';
import { CliError } from './args';

// Where reports go: stdout, or a file given with --out.

/** Colours only for a terminal, never with NO_COLOR set (no-color.org); FORCE_COLOR forces them. */
export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function terminalWidth(): number {
  return Math.min(process.stdout.columns ?? 100, 120);
}

export async function writeReport(text: string, outFile: string | undefined): Promise<void> {
  if (outFile === undefined) return writeStdout(text);
  try {
    await writeFile(outFile, text, { mode: 0o600 });
  } catch (err) {
    throw new CliError(`cannot write ${outFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Resolves once the text is flushed; a closed pipe (`| head`) is not an error. */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => {
      if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
      else resolve();
    });
  });
}
