import { analyzeSnapshotParallel } from '../../core/node/analyzeParallel';
import type { AnalysisResult, SnapshotData } from '../../core/common/model';
import { SEVERITIES, SEVERITY_RANK } from '../../core/common/model';
import { renderHtml } from '../../core/common/report/renderHtml';
import { renderJson } from '../../core/common/report/renderJson';
import { renderMarkdown } from '../../core/common/report/renderMarkdown';
import { renderText } from '../../core/common/report/renderText';
import { EXIT_FINDINGS, EXIT_OK, parseFailOn, parseFormat, parseWorkers, type FailOn, type ReportFormat } from '../args';
import { terminalWidth, useColor, writeReport } from '../output';
import { toolVersion } from '../version';

// What analyze and demo share: analyse, render in the chosen format, write, pick the exit code.

export interface ReportOptions {
  format: ReportFormat;
  out?: string;
  failOn: FailOn;
  workers?: number;
}

export async function analyzeAndReport(snapshot: SnapshotData, opts: ReportOptions): Promise<number> {
  const result = await analyzeSnapshotParallel(snapshot, { version: toolVersion(), workers: opts.workers, releaseInputs: true });
  await writeReport(render(result, opts), opts.out);
  if (opts.out !== undefined) process.stderr.write(`proxyscope: wrote ${opts.format} report to ${opts.out} (${countsLine(result)})\n`);
  return exitCodeFor(result, opts.failOn);
}

function render(result: AnalysisResult, opts: ReportOptions): string {
  switch (opts.format) {
    case 'json':
      return renderJson(result);
    case 'markdown':
      return renderMarkdown(result);
    case 'html':
      return renderHtml(result);
    case 'text': {
      const toTerminal = opts.out === undefined;
      return renderText(result, { color: toTerminal && useColor(process.stdout), width: toTerminal ? terminalWidth() : 100 });
    }
  }
}

export function exitCodeFor(result: AnalysisResult, failOn: FailOn): number {
  if (failOn === 'never') return EXIT_OK;
  const threshold = SEVERITY_RANK[failOn];
  return result.findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}

function countsLine(result: AnalysisResult): string {
  const parts = SEVERITIES.filter((s) => result.counts[s] > 0).map((s) => `${result.counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'no findings';
}

/** The options every report-writing command takes (analyze, demo). */
export const REPORT_OPTIONS = {
  format: { type: 'string' },
  out: { type: 'string' },
  'fail-on': { type: 'string' },
  workers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads REPORT_OPTIONS values; `failOnDefault` differs per command. */
export function reportSettings(values: Record<string, unknown>, failOnDefault: FailOn) {
  return {
    format: parseFormat(values.format as string | undefined),
    out: values.out as string | undefined,
    failOn: parseFailOn(values['fail-on'] as string | undefined, failOnDefault),
    workers: parseWorkers(values.workers as string | undefined),
  };
}
