import { describe, expect, it } from 'vitest';
import { reportFileName, snapshotFileName, sourceBaseName } from '../../../../core/common/views/exportNames';

describe('export file names', () => {
  it.each([
    { source: 'demo', want: 'demo' },
    { source: '/home/u/snaps/prod-2024.tar.gz', want: 'prod-2024' },
    { source: 'upload.TGZ', want: 'upload' },
    { source: '/x/snapshot-dir/', want: 'snapshot-dir' },
    { source: 'scan of prod/eu west', want: 'eu-west' },
    { source: 'scan of prod', want: 'scan-of-prod' },
    { source: '../..', want: 'snapshot' },
    { source: '', want: 'snapshot' },
    { source: 'a\u202eb<script>', want: 'a-b-script' },
  ])('names the source $source as $want', ({ source, want }) => {
    expect(sourceBaseName(source)).toBe(want);
  });

  it.each([
    { format: 'html' as const, want: 'proxyscope-report-demo.html' },
    { format: 'markdown' as const, want: 'proxyscope-report-demo.md' },
    { format: 'json' as const, want: 'proxyscope-report-demo.json' },
  ])('names a $format report $want', ({ format, want }) => {
    expect(reportFileName('demo', format)).toBe(want);
  });

  it('names a snapshot export after its source', () => {
    expect(snapshotFileName('/x/y.tar.gz')).toBe('proxyscope-snapshot-y.tar.gz');
  });
});
