// Text for people: fitted to a width, and safe to print on a terminal whatever the API sent.
import { printable } from '../text/printable.js';
import type { SummaryError } from './summary.js';

/** Cuts a line to `width` characters, marking the cut. */
export function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

/**
 * Joins `parts` with `separator` into lines of at most `width` characters: a part that does not fit on
 * the current line starts the next one, indented; a part longer than a whole line is cut.
 */
export function wrapParts(
  parts: readonly string[],
  width: number,
  indent: string,
  separator = ' ',
): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const candidate = line === '' ? part : `${line}${separator}${part}`;
    if (candidate.length <= width || line === '') {
      line = candidate;
    } else {
      lines.push(line);
      line = `${indent}${part}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((part) => clip(part, width));
}

/** Breaks a long line at spaces, keeping its leading indentation; continuation lines are indented. */
export function wrap(text: string, width: number, indent: string): string[] {
  if (text.length <= width) return [text];
  const lead = /^ */.exec(text)?.[0] ?? '';
  const [first = '', ...rest] = text.slice(lead.length).split(' ');
  return wrapParts([`${lead}${first}`, ...rest], width, indent);
}

/** `404 DCS.3022 The instance does not exist.`, printable. */
export function describeError(error: SummaryError): string {
  const head = [error.httpStatus, error.errorCode].filter((part) => part !== null).join(' ');
  return printable([head, error.message].filter(Boolean).join(' '));
}
