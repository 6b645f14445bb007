import type * as z from 'zod';
import { CleanupError } from '../errors/cleanup-error.js';
/** One problem with the input, located by its field path (e.g. `instances[0].projectId`). */
export interface InputIssue {
  path: string;
  message: string;
}

/** Bad config, arguments, payload or credentials: reported before any request is sent. */
export class InputError extends CleanupError {
  override readonly name: string = 'InputError';
  readonly code: string = 'INPUT_INVALID';
  readonly issues: readonly InputIssue[];

  constructor(issues: readonly InputIssue[], options?: { cause?: unknown }) {
    super(
      issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('\n'),
      options,
    );
    this.issues = issues;
  }

  static of(path: string, message: string, options?: { cause?: unknown }): InputError {
    return new InputError([{ path, message }], options);
  }
}

/** `['instances', 0, 'projectId']` → `instances[0].projectId`; other keys quoted: `tags["a b"]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key);
    if (!/^[A-Za-z_$][\w$-]*$/.test(name)) return `${text}[${JSON.stringify(name)}]`;
    return text ? `${text}.${name}` : name;
  }, '');
}

function toInputIssues(issue: z.core.$ZodIssue): InputIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown key' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Turns zod issues into an InputError naming each field (the config file's, or a Lambda payload's). */
export function inputErrorFrom(error: z.ZodError): InputError {
  return new InputError(error.issues.flatMap(toInputIssues), { cause: error });
}
