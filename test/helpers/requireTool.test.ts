import { afterEach, describe, expect, it } from 'vitest';
import { requireTools, toolsRequiredStrictly } from './requireTool';

describe('requireTools', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('accepts tools that are on PATH', () => {
    expect(requireTools('sh', 'node')).toEqual({ ok: true });
  });

  it('names every missing tool in the reason', () => {
    expect(requireTools('sh', 'no-such-tool-a', 'no-such-tool-b')).toEqual({ ok: false, reason: 'missing system tools: no-such-tool-a, no-such-tool-b' });
  });

  it.each([
    { CI: 'true', strict: true },
    { CI: 'false', strict: false },
    { CI: undefined, strict: false },
  ])('treats a missing tool as a failure only when CI=$CI', ({ CI, strict }) => {
    if (CI === undefined) delete process.env.CI;
    else process.env.CI = CI;
    expect(toolsRequiredStrictly()).toBe(strict);
  });
});
