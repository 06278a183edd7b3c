/**
 * The aggregator's author page in line format (data/002_…): a profile header (name, field,
 * h-index, paper and citation counts), then per entry a category+date line, a title line, an
 * authors line and the abstract. All 30 entries are pinned, checked against the raw lines.
 */
import { describe, expect, it } from 'vitest';
import { isLineListing, parseLineListing } from '../src/corpus/lineListing.ts';
import { AuthorProfileSchema, RawPaperSchema } from '../src/corpus/schema.ts';
import { F000, F002, readData } from './fixtures/corpus/data.ts';

type Expected = [header: string, category: string, date: string, code: boolean, title: string, authorLine: string, authors: string[], orgs: string[]];

const e = (header: string, category: string, date: string, title: string, authors: string[], orgs: string[] = []): Expected => [
  header, category, date, false, title, `${authors.join(', ')} et al.${orgs.length ? ` · ${orgs.join(', ')}` : ''}`, authors, orgs,
];

/** In file order: entry i starts at line 12 + 7i. */
const EXPECTED: Expected[] = [
  e('CLApr 11, 2023', 'CL', '2023-04-11', 'Conditional Adapters: Parameter-efficient Transfer Learning with Fast Inference', ['Tao Lei', 'Junwen Bai', 'Siddhartha Brahma'], ['deepmind']),
  e('CVOct 4, 2022', 'CV', '2022-10-04', 'Toward Edge-Efficient Dense Predictions with Synergistic Multi-Task Neural Architecture Search', ['Thanh Vu', 'Yanqi Zhou', 'Chunfeng Wen']),
  e('DCApr 9, 2022', 'DC', '2022-04-09', 'Searching for Efficient Neural Architectures for On-Device ML on Edge TPUs', ['Berkin Akin', 'Suyog Gupta', 'Yun Long']),
  e('PLJul 23, 2024', 'PL', '2024-07-23', 'SPLAT: A framework for optimised GPU code-generation for SParse reguLar ATtention', ['Ahan Gupta', 'Yueming Yuan', 'Devansh Jain']),
  e('LGJun 27, 2023', 'LG', '2023-06-27', 'FLuRKA: Fast and accurate unified Low-Rank & Kernel Attention', ['Ahan Gupta', 'Hao Guo', 'Yueming Yuan']),
  e('CLJul 7, 2025', 'CL', '2025-07-07', 'Gemini 2.5: Pushing the Frontier with Advanced Reasoning, Multimodality, Long Context, and Next Generation Agentic Capabilities', ['Gheorghe Comanici', 'Eric Bieber', 'Mike Schaekermann'], ['amazon-science', 'baidu']),
  e('LGJan 22, 2025', 'LG', '2025-01-22', 'IC-Cache: Efficient Large Language Model Serving via In-context Caching', ['Yifan Yu', 'Yu Gan', 'Nikhil Sarda']),
  e('CLOct 14, 2024', 'CL', '2024-10-14', 'Scalable Multi-Domain Adaptation of Language Models using Modular Experts', ['Peter Schafhalter', 'Shun Liao', 'Yanqi Zhou']),
  e('LGMay 29, 2023', 'LG', '2023-05-29', 'Brainformers: Trading Simplicity for Efficiency', ['Yanqi Zhou', 'Nan Du', 'Yanping Huang']),
  e('CLMay 24, 2023', 'CL', '2023-05-24', 'Mixture-of-Experts Meets Instruction Tuning:A Winning Combination for Large Language Models', ['Sheng Shen', 'Le Hou', 'Yanqi Zhou']),
  e('LGMay 23, 2023', 'LG', '2023-05-23', 'GiPH: Generalizable Placement Learning for Adaptive Heterogeneous Computing', ['Yi Hu', 'Chaoran Zhang', 'Edward Andert']),
  e('LGMay 21, 2023', 'LG', '2023-05-21', 'Learning Large Graph Property Prediction via Graph Segment Training', ['Kaidi Cao', 'Phitchaya Mangpo Phothilimthana', 'Sami Abu-El-Haija']),
  e('CLMay 20, 2023', 'CL', '2023-05-20', 'Lifelong Language Pretraining with Distribution-Specialized Experts', ['Wuyang Chen', 'Yanqi Zhou', 'Nan Du']),
  e('LGFeb 18, 2022', 'LG', '2022-02-18', 'Mixture-of-Experts with Expert Choice Routing', ['Yanqi Zhou', 'Tao Lei', 'Hanxiao Liu']),
  e('CLJan 20, 2022', 'CL', '2022-01-20', 'LaMDA: Language Models for Dialog Applications', ['Romal Thoppilan', 'Daniel De Freitas', 'Jamie Hall']),
  e('CLDec 13, 2021', 'CL', '2021-12-13', 'GLaM: Efficient Scaling of Language Models with Mixture-of-Experts', ['Nan Du', 'Yanping Huang', 'Andrew M. Dai']),
  e('LGDec 7, 2021', 'LG', '2021-12-07', 'A Transferable Approach for Partitioning Machine Learning Models on Multi-Chip-Modules', ['Xinfeng Xie', 'Prakash Prabhu', 'Ulysse Beaugnon']),
  e('LGFeb 23, 2021', 'LG', '2021-02-23', 'Do Transformer Modifications Transfer Across Implementations and Applications?', ['Sharan Narang', 'Hyung Won Chung', 'Yi Tay']),
  e('LGFeb 17, 2021', 'LG', '2021-02-17', 'Rethinking Co-design of Neural Architectures and Hardware Accelerators', ['Yanqi Zhou', 'Xuanyi Dong', 'Berkin Akin']),
  e('LGFeb 2, 2021', 'LG', '2021-02-02', 'Apollo: Transferable Architecture Exploration', ['Amir Yazdanbakhsh', 'Christof Angermueller', 'Berkin Akin']),
  e('LGOct 21, 2020', 'LG', '2020-10-21', 'Transferable Graph Optimizers for ML Compilers', ['Yanqi Zhou', 'Sudip Roy', 'Amirali Abdolrashidi']),
  e('PFAug 3, 2020', 'PF', '2020-08-03', 'A Learned Performance Model for Tensor Processing Units', ['Samuel J. Kaufman', 'Phitchaya Mangpo Phothilimthana', 'Yanqi Zhou']),
  e('CVJul 3, 2020', 'CV', '2020-07-03', 'ODE-CNN: Omnidirectional Depth Extension Networks', ['Xinjing Cheng', 'Peng Wang', 'Yanqi Zhou']),
  e('LGOct 23, 2019', 'LG', '2019-10-23', 'Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer', ['Colin Raffel', 'Noam Shazeer', 'Adam Roberts']),
  e('LGSep 28, 2019', 'LG', '2019-09-28', 'GDP: Generalized Device Placement for Dataflow Graphs', ['Yanqi Zhou', 'Sudip Roy', 'Amirali Abdolrashidi']),
  e('LGJul 7, 2019', 'LG', '2019-07-07', 'EPNAS: Efficient Progressive Neural Architecture Search', ['Yanqi Zhou', 'Peng Wang', 'Sercan Arik']),
  e('NEJun 12, 2018', 'NE', '2018-06-12', 'Resource-Efficient Neural Architect', ['Yanqi Zhou', 'Siavash Ebrahimi', 'Sercan Ö. Arık']),
  e('CLFeb 14, 2018', 'CL', '2018-02-14', 'Neural Voice Cloning with a Few Samples', ['Sercan O. Arik', 'Jitong Chen', 'Kainan Peng']),
  e('LGDec 1, 2017', 'LG', '2017-12-01', 'Deep Learning Scaling is Predictable, Empirically', ['Joel Hestness', 'Sharan Narang', 'Newsha Ardalani']),
  e('CLMay 24, 2017', 'CL', '2017-05-24', 'Deep Voice 2: Multi-Speaker Neural Text-to-Speech', ['Sercan Arik', 'Gregory Diamos', 'Andrew Gibiansky']),
];

const raw = readData(F002);
const lines = raw.split('\n');
const { records, issues, profile } = parseLineListing(raw, F002);

describe('line listing, data/002', () => {
  it('the hand transcription matches the raw file', () => {
    EXPECTED.forEach(([header, , , , title, authorLine], i) => {
      const at = 11 + 7 * i; // 0-based index of the header line
      expect(lines[at], `entry ${i + 1}`).toBe(header);
      expect(lines[at + 1]).toBe(title);
      expect(lines[at + 3]).toBe(authorLine);
    });
  });

  it('reads the profile header: Yanqi Zhou, LG, h-index 117, 30 papers, 36,306 citations', () => {
    expect(profile).toEqual({ name: 'Yanqi Zhou', field: 'LG', hIndex: 117, paperCount: 30, citations: 36306, source: F002 });
    AuthorProfileSchema.parse(profile);
  });

  it('parses 30 entries without issues (as the header announces)', () => {
    expect(records).toHaveLength(30);
    expect(issues).toEqual([]);
    for (const r of records) RawPaperSchema.parse(r);
  });

  it('pins title, authors, et al., orgs, category, date and line of every entry', () => {
    expect(records.map((r) => r.title)).toEqual(EXPECTED.map((x) => x[4]));
    expect(records.map((r) => r.authors)).toEqual(EXPECTED.map((x) => x[6]));
    expect(records.map((r) => [r.category, r.date, r.hasCode, r.authorsTruncated, r.orgs])).toEqual(EXPECTED.map((x) => [x[1], x[2], x[3], true, x[7]]));
    expect(records.map((r) => r.line)).toEqual(EXPECTED.map((_, i) => 12 + 7 * i));
    for (const r of records) {
      expect(r.pageOwner).toBe('Yanqi Zhou');
      expect(r.abstract).toBeTruthy();
      expect(r.venue).toBeNull();
    }
  });

  it('keeps each abstract whole', () => {
    expect(records[0]!.abstract).toBe(lines[16]);
    expect(records.at(-1)!.abstract).toMatch(/^We introduce a technique for augmenting neural text-to-speech \(TTS\)/);
    expect(records.at(-1)!.abstract).toMatch(/preserving the speaker identities almost perfectly\.$/);
  });

  it('is recognised by its profile header; the headerless listing is not', () => {
    expect(isLineListing(lines)).toBe(true);
    expect(isLineListing(readData(F000).split('\n'))).toBe(false);
  });
});

describe('line listing, malformed input', () => {
  const header = ['Jane Roe', '', 'CV', 'h-index12', '3papers', '1,000citations', '', '3 Papers', ''];
  const entry = (h: string, title: string, authors: string, abstract: string) => [h, title, '', authors, '', abstract, ''];

  it('an entry without authors line is skipped with a warning; the count mismatch is reported', () => {
    const text = [
      ...header,
      ...entry('CVMar 1, 2021', 'First Paper', 'Ann Lee, Bo Li et al.', 'First abstract.'),
      'CVMar 2, 2021', 'Second Paper', '',
      ...entry('CVMar 3, 2021', 'Third Paper', 'Cy Young', 'Third abstract.'),
    ].join('\n');
    const r = parseLineListing(text, 'l.txt');
    expect(r.records.map((x) => x.title)).toEqual(['First Paper', 'Third Paper']);
    expect(r.records[1]!.authorsTruncated).toBe(false);
    expect(r.issues).toEqual([
      expect.objectContaining({ file: 'l.txt', line: 17, message: expect.stringContaining('lacks a title or an authors line') }),
      expect.objectContaining({ file: 'l.txt', line: 1, message: 'header announces 3 papers, parsed 2' }),
    ]);
  });

  it('a file cut short: the incomplete last header is reported, not glued to the previous abstract', () => {
    const text = [...header, ...entry('CVMar 1, 2021', 'First Paper', 'Ann Lee, Bo Li et al.', 'First abstract.'), 'CVMar 2'].join('\n');
    const r = parseLineListing(text, 'l.txt');
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.abstract).toBe('First abstract.');
    expect(r.issues).toContainEqual(expect.objectContaining({ file: 'l.txt', line: 17, message: expect.stringContaining('incomplete category/date line') }));
  });

  it('a file cut after an authors line: the entry is kept and the missing abstract reported', () => {
    const text = [...header, ...entry('CVMar 1, 2021', 'First Paper', 'Ann Lee, Bo Li et al.', 'First abstract.'), 'CVMar 2, 2021', 'Second Paper', '', 'Cy Young, Di'].join('\n');
    const r = parseLineListing(text, 'l.txt');
    expect(r.records.map((x) => x.title)).toEqual(['First Paper', 'Second Paper']);
    expect(r.issues).toContainEqual(expect.objectContaining({ file: 'l.txt', line: 17, message: expect.stringContaining('no abstract') }));
  });
});
