/**
 * Author-list parsing and the glued title/author splitter of the inline listing, on the hard
 * lines of data/000 and on cases built to exercise each rule.
 */
import { describe, expect, it } from 'vitest';
import { looksLikeName, parseAuthorList, splitGluedTitle, type SplitContext } from '../src/corpus/authorList.ts';
import { nameKey } from '../src/corpus/text.ts';

const none: SplitContext = { knownNames: new Set(), vocabulary: new Set() };

describe('parseAuthorList', () => {
  it('splits names, "et al." and org tags', () => {
    expect(parseAuthorList('Tao Lei, Junwen Bai, Siddhartha Brahma et al. · deepmind')).toEqual({ authors: ['Tao Lei', 'Junwen Bai', 'Siddhartha Brahma'], truncated: true, orgs: ['deepmind'] });
    expect(parseAuthorList('Ethan Li, Anders Boesen Lindbo Larsen, Chen Zhang et al. · apple-ml, cmu')).toEqual({
      authors: ['Ethan Li', 'Anders Boesen Lindbo Larsen', 'Chen Zhang'], truncated: true, orgs: ['apple-ml', 'cmu'],
    });
    expect(parseAuthorList('Shenjun Zhong, Zhifeng Chen, Zhaolin Chen')).toEqual({ authors: ['Shenjun Zhong', 'Zhifeng Chen', 'Zhaolin Chen'], truncated: false, orgs: [] });
    expect(parseAuthorList('Gheorghe Comanici, Eric Bieber, Mike Schaekermann et al.·amazon-science, baidu').orgs).toEqual(['amazon-science', 'baidu']);
    expect(parseAuthorList('Sercan Ö. Arık, Jitong Chen, et al.').authors).toEqual(['Sercan Ö. Arık', 'Jitong Chen']);
  });
});

describe('looksLikeName', () => {
  it('accepts the shapes of names in the corpus', () => {
    for (const n of ['AJ Piergiovanni', 'HyoukJoong Lee', 'Wei-Ning Hsu', '(June) Yuan Shangguan', 'Dmitry (Dima) Lepikhin', 'Tara N. Sainath', 'Sercan Ö. Arık', 'Anders Boesen Lindbo Larsen', 'Martín Abadi', 'Gemini Team']) {
      expect(looksLikeName(n), n).toBe(true);
    }
  });

  it('rejects prose and title fragments', () => {
    for (const t of ['in this paper we', 'Scaling: Giant Models', 'A Streaming On-Device End-to-End Model Surpassing Server-Side Conventional']) expect(looksLikeName(t), t).toBe(false);
  });
});

describe('splitGluedTitle', () => {
  const split = (line: string, ctx: SplitContext = none) => {
    const s = splitGluedTitle(line, ctx);
    return s && [s.title, s.authorText, s.basis];
  };

  it('splits the hard lines of data/000', () => {
    expect(split('GSPMD: General and Scalable Parallelization for ML Computation GraphsYuanzhong Xu, HyoukJoong Lee, Dehao Chen et al.')).toEqual([
      'GSPMD: General and Scalable Parallelization for ML Computation Graphs', 'Yuanzhong Xu, HyoukJoong Lee, Dehao Chen et al.', 'shape',
    ]);
    expect(split('Hierarchical Generative Modeling for Controllable Speech SynthesisWei-Ning Hsu, Yu Zhang, Ron J. Weiss et al.')?.[0]).toBe('Hierarchical Generative Modeling for Controllable Speech Synthesis');
    expect(split('Transfer Learning from Speaker Verification to Multispeaker Text-To-Speech SynthesisYe Jia, Yu Zhang, Ron J. Weiss et al.')?.[0]).toBe(
      'Transfer Learning from Speaker Verification to Multispeaker Text-To-Speech Synthesis',
    );
    expect(split('SO-Bench: A Structural Output Evaluation of Multimodal LLMsDi Feng, Kaixin Ma, Feng Nan et al.')?.[0]).toBe('SO-Bench: A Structural Output Evaluation of Multimodal LLMs');
    expect(split('Apple Intelligence Foundation Language Models: Tech Report 2025Ethan Li, Anders Boesen Lindbo Larsen, Chen Zhang et al. · apple-ml, cmu')?.[0]).toBe(
      'Apple Intelligence Foundation Language Models: Tech Report 2025',
    );
    expect(split('CL-MRI: Self-Supervised Contrastive Learning to Improve the Accuracy of Undersampled MRI ReconstructionMevan Ekanayake, Zhifeng Chen, Mehrtash Harandi et al.')?.[0]).toBe(
      'CL-MRI: Self-Supervised Contrastive Learning to Improve the Accuracy of Undersampled MRI Reconstruction',
    );
    expect(split('A comparison of end-to-end models for long-form speech recognitionChung-Cheng Chiu, Wei Han, Yu Zhang et al.')?.[1]).toBe('Chung-Cheng Chiu, Wei Han, Yu Zhang et al.');
  });

  it('a name known from other listings wins', () => {
    const ctx: SplitContext = { knownNames: new Set([nameKey('AJ Piergiovanni'), nameKey('Weicheng Kuo')]), vocabulary: new Set() };
    expect(split('MaMMUT: A Simple Architecture for Joint Learning for MultiModal TasksWeicheng Kuo, AJ Piergiovanni, Dahun Kim et al.', ctx)).toEqual([
      'MaMMUT: A Simple Architecture for Joint Learning for MultiModal Tasks', 'Weicheng Kuo, AJ Piergiovanni, Dahun Kim et al.', 'known-name',
    ]);
  });

  it('a camel-case first name (`HyoukJoong`) splits right when the name is known from another listing', () => {
    // Without that knowledge `GraphsHyouk | Joong Lee` has a name's shape too (a known limit); the
    // loader therefore collects names from every listing, the comma-separated tails included.
    const line = 'GSPMD: General and Scalable Parallelization for ML Computation GraphsHyoukJoong Lee, Yuanzhong Xu et al.';
    const ctx: SplitContext = { knownNames: new Set([nameKey('HyoukJoong Lee')]), vocabulary: new Set() };
    expect(split(line, ctx)).toEqual(['GSPMD: General and Scalable Parallelization for ML Computation Graphs', 'HyoukJoong Lee, Yuanzhong Xu et al.', 'known-name']);
  });

  it('no split without an upper-case letter glued to the title; a guess when no name shape follows', () => {
    expect(splitGluedTitle('all lower case text, nothing glued', none)).toBeNull();
    expect(splitGluedTitle('GSPMD: General and Scalable Pa', none)?.basis).toBe('guess');
  });
});
