import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../../core/common/model';
import { renderJson } from '../../../../core/common/report/renderJson';
import { hostileResult, sampleResult } from './sampleResult';

describe('renderJson', () => {
  it('round-trips the analysis result unchanged', () => {
    const result = sampleResult();
    expect(JSON.parse(renderJson(result))).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it('round-trips hostile strings exactly (JSON is data, consumers escape)', () => {
    const result = hostileResult();
    expect(JSON.parse(renderJson(result))).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it('puts the documented keys in the documented order, schemaVersion first', () => {
    const parsed = JSON.parse(renderJson(sampleResult())) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['schemaVersion', 'tool', 'generatedAt', 'snapshot', 'counts', 'limitations', 'nodes', 'findings']);
    expect(parsed.schemaVersion).toBe(1);
    const f = (parsed.findings as Record<string, unknown>[])[0];
    expect(Object.keys(f)).toEqual(['check', 'severity', 'node', 'service', 'port', 'protocol', 'endpoint', 'pod', 'title', 'message', 'nextSteps', 'evidence']);
  });

  it('keeps fields added to the model later instead of dropping them', () => {
    const result = { ...sampleResult(), extra: { a: 1 } } as AnalysisResult & { extra: unknown };
    expect(JSON.parse(renderJson(result)).extra).toEqual({ a: 1 });
  });

  it('is pretty-printed with a trailing newline', () => {
    const text = renderJson(sampleResult());
    expect(text.startsWith('{\n  "schemaVersion": 1,')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });
});
