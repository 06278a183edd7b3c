/** Text helpers shared by parsers, merger and search: keys, dates, binary detection. */
import { describe, expect, it } from 'vitest';
import {
  containment, foldDiacritics, isPartialCategoryDate, looksBinary, nameKey, parseCategoryDate, parseMonthDayYear, shingles, shortHash, slug, squash, titleKey, words,
} from '../src/corpus/text.ts';

describe('nameKey', () => {
  it('makes spelling variants equal', () => {
    expect(nameKey('Sercan Ö. Arık')).toBe('sercan arik');
    expect(nameKey('Sercan O. Arik')).toBe('sercan arik');
    expect(nameKey('Sercan Arik')).toBe('sercan arik');
    expect(nameKey('Dmitry (Dima) Lepikhin')).toBe(nameKey('Dmitry Lepikhin'));
    expect(nameKey('(June) Yuan Shangguan')).toBe('yuan shangguan');
    expect(nameKey('Andrew M. Dai')).toBe(nameKey('Andrew Dai'));
  });

  it('keeps different people apart', () => {
    expect(nameKey('Chung-Cheng Chiu')).not.toBe(nameKey('Chung-ching Chang'));
    expect(nameKey('Zhifeng Chen')).not.toBe(nameKey('Zhaolin Chen'));
    expect(nameKey('Wei Han')).not.toBe(nameKey('Wei Li'));
    expect(nameKey('Mia Xu Chen')).toBe('mia xu chen'); // a two-letter middle name is not an initial
  });
});

describe('titleKey / words / slug', () => {
  it('ignores case, punctuation and diacritics', () => {
    expect(titleKey('GShard: Scaling Giant Models With Conditional Computation')).toBe(titleKey('GShard: Scaling Giant Models with Conditional Computation'));
    expect(titleKey('Mixture-of-Experts Meets Instruction Tuning:A Winning')).toBe('mixture of experts meets instruction tuning a winning');
    expect(titleKey('Martín’s Model')).toBe('martins model');
    expect(foldDiacritics('Arık Ö ø ß')).toBe('Arik O o ss');
    expect(words('Noise2Music: Text-conditioned')).toEqual(['noise2music', 'text', 'conditioned']);
    expect(slug('GShard: Scaling Giant Models With Conditional Computation')).toBe('gshard-scaling-giant-models-with-conditional');
    expect(slug('!!!')).toBe('x');
    expect(shortHash('abc')).toMatch(/^[0-9a-f]{6}$/);
    expect(squash('  a \u00a0 b\n c ')).toBe('a b c');
  });
});

describe('category/date lines', () => {
  it('parses the glued aggregator line', () => {
    expect(parseCategoryDate('CLJul 13, 2022Code')).toEqual({ category: 'CL', date: '2022-07-13', hasCode: true });
    expect(parseCategoryDate('CVMar 2, 2021')).toEqual({ category: 'CV', date: '2021-03-02', hasCode: false });
    expect(parseCategoryDate('Jul 13, 2022')).toEqual({ category: null, date: '2022-07-13', hasCode: false });
    expect(parseCategoryDate('CLFeb 29, 2023')).toEqual({ category: 'CL', date: null, hasCode: false });
    expect(parseCategoryDate('CLFeb 29, 2024')?.date).toBe('2024-02-29');
    expect(parseCategoryDate('Transformers are central to recent successes')).toBeNull();
    expect(parseMonthDayYear('Sept', '1', '2020')).toBe('2020-09-01');
    expect(parseMonthDayYear('Foo', '1', '2020')).toBeNull();
  });

  it('recognises the beginning of one (a half-written file), never a whole one', () => {
    for (const l of ['DCMay 10', 'CLJul 13, 20', 'CLJul 13, 2022Co', 'LGJun']) expect(isPartialCategoryDate(l), l).toBe(true);
    for (const l of ['CLJul 13, 2022Code', 'CLJul 13, 2022', 'Mayday', 'We propose a method']) expect(isPartialCategoryDate(l), l).toBe(false);
  });
});

describe('looksBinary', () => {
  it('NUL bytes or many control characters are binary; prose is not', () => {
    expect(looksBinary('abc\u0000def')).toBe(true);
    expect(looksBinary('\u0001\u0002\u0003\u0004 some')).toBe(true);
    expect(looksBinary('Plain text with ümlauts, “quotes” and\ttabs\r\n')).toBe(false);
    expect(looksBinary('')).toBe(false);
  });
});

describe('shingles / containment', () => {
  it('word 3-grams; containment is 1 when one text contains the other', () => {
    expect([...shingles('a b c d')]).toEqual(['a b c', 'b c d']);
    expect(containment(shingles('one two three four'), shingles('zero one two three four five'))).toBe(1);
    expect(containment(new Set(), shingles('a b c'))).toBe(0);
  });
});
