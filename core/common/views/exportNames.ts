import type { ReportFormat } from '../contract';

// File names and types of what the app exports: `proxyscope-report-<source>.<ext>` and
// `proxyscope-snapshot-<source>.tar.gz`, where <source> is the session source's last path part
// without archive extensions, reduced to characters every file system accepts.

export const REPORT_EXTENSION: Record<ReportFormat, string> = { html: 'html', markdown: 'md', json: 'json' };
export const REPORT_MIME: Record<ReportFormat, string> = {
  html: 'text/html;charset=utf-8',
  markdown: 'text/markdown;charset=utf-8',
  json: 'application/json',
};
export const SNAPSHOT_MIME = 'application/gzip';

/** `demo`, `/x/snap.tar.gz` -> `snap`, `scan of prod` -> `scan-of-prod`. */
export function sourceBaseName(source: string): string {
  const parts = source.split(/[\\/]/).filter((p) => p !== '');
  const last = (parts[parts.length - 1] ?? '').replace(/\.(tar\.gz|tgz|tar)$/i, '');
  const safe = last.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 80);
  return safe === '' ? 'snapshot' : safe;
}

export function reportFileName(source: string, format: ReportFormat): string {
  return `proxyscope-report-${sourceBaseName(source)}.${REPORT_EXTENSION[format]}`;
}

export function snapshotFileName(source: string): string {
  return `proxyscope-snapshot-${sourceBaseName(source)}.tar.gz`;
}
