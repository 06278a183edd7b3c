/**
 * The small part of Citation.js (0.8) that papertalk uses. The packages ship no type declarations;
 * these follow their documented API: `plugins.input.chain(input, options)` parses `input` of the
 * given `forceType` into CSL-JSON (or into `target`), throwing on bad input; `logger` receives the
 * warnings parsers do not throw (it prints nothing at its default level, `silent`).
 */
declare module '@citation-js/core' {
  export interface ChainOptions {
    /** Input type, e.g. `@biblatex/text`, `@biblatex/entry+object`, `@ris/file` (never guessed: a guessed URL would be fetched). */
    forceType: string;
    /** Output type; default `@csl/list+object`. */
    target?: string;
    /** Attach the parse graph to every item (`_graph`); default true. */
    generateGraph?: boolean;
    /** Throw on failure (default) instead of returning `[]`. */
    strict?: boolean;
    maxChainLength?: number;
  }
  export type LogLevel = 'http' | 'debug' | 'unmapped' | 'info' | 'warn' | 'error';
  export type LogMethod = (scope: string, ...message: unknown[]) => void;
  export const logger: Record<LogLevel, LogMethod> & { level: LogLevel | 'silent' };
  export const plugins: {
    input: {
      chain(input: unknown, options: ChainOptions): unknown;
    };
  };
}

declare module '@citation-js/plugin-bibtex' {}
declare module '@citation-js/plugin-ris' {}
