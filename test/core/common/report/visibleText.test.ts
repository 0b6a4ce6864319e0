import { describe, expect, it } from 'vitest';
import { visibleText } from '../../../../core/common/report/visibleText';

describe('visibleText', () => {
  const cases: [string, string, string, boolean][] = [
    ['leaves ordinary text alone', 'shop/web:http -> 10.0.0.1:80', 'shop/web:http -> 10.0.0.1:80', false],
    ['keeps non-Latin letters', 'Überweisung/日本', 'Überweisung/日本', false],
    ['marks an ANSI escape', '\u001b[31mred', '<U+001B>[31mred', false],
    ['marks a right-to-left override', 'evil\u202Etxt', 'evil<U+202E>txt', false],
    ['marks bidi isolates', '\u2066a\u2069', '<U+2066>a<U+2069>', false],
    ['marks zero-width spaces and the BOM', 'a\u200Bb\uFEFF', 'a<U+200B>b<U+FEFF>', false],
    ['marks C1 controls and DEL', 'a\u009bb\u007f', 'a<U+009B>b<U+007F>', false],
    ['marks a carriage return', 'ok\rFAKE', 'ok<U+000D>FAKE', true],
    ['marks newlines in single-line fields', 'a\nb', 'a<U+000A>b', false],
    ['keeps newlines and tabs in multi-line text', 'a\n\tb', 'a\n\tb', true],
  ];
  it.each(cases)('%s', (_name, input, expected, multiline) => {
    expect(visibleText(input, multiline)).toBe(expected);
  });
});
