// Secrets never reach an output (docs/safety.md): the SK and security tokens by value, and whatever a server
// may echo of a signed request (its Authorization header, the signature in it) by shape.

const REDACTED = '[REDACTED]';

/**
 * What a signed request carries that a server may echo back: the Authorization header's value after its
 * algorithm, a `Signature=` value, and a bare SHA-256 in hex (a signature without its label).
 */
const ECHOED: [RegExp, string][] = [
  [/\bSDK-HMAC-SHA256[ \t]+[^\r\n"'}]*/gi, `SDK-HMAC-SHA256 ${REDACTED}`],
  [/\bSignature=[^\s,;"'&}]*/gi, `Signature=${REDACTED}`],
  [/(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])/g, REDACTED],
];

/**
 * Replaces every occurrence of the given secrets (SK, security token) and every echoed signature in a text.
 * Secrets given as a function are asked for at each text: temporary credentials arrive during a run. The
 * secrets are one pattern, made again only when their list has grown (lists of secrets only ever grow), so
 * a text costs one scan however many credentials a long run was given.
 */
export function redactor(
  secrets: readonly (string | undefined)[] | (() => readonly (string | undefined)[]),
): (text: string) => string {
  const listed = typeof secrets === 'function' ? secrets : () => secrets;
  let compiled: { count: number; pattern: RegExp | undefined } | undefined;
  return (text) => {
    const values = listed();
    if (compiled?.count !== values.length)
      compiled = { count: values.length, pattern: secretPattern(values) };
    const bySecret = compiled.pattern ? text.replace(compiled.pattern, REDACTED) : text;
    return ECHOED.reduce((out, [shape, replacement]) => out.replace(shape, replacement), bySecret);
  };
}

/** Every secret of 4 characters or more, the longest first (a secret inside another goes with it). */
function secretPattern(values: readonly (string | undefined)[]): RegExp | undefined {
  const usable = [
    ...new Set(values.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4)),
  ].sort((a, b) => b.length - a.length);
  if (usable.length === 0) return undefined;
  return new RegExp(usable.map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
}

/**
 * A copy of `value` with `redact` applied to every string in it, keys included: secrets go before anything is
 * serialised, so one with `"` or `\` in it (escaped in JSON) is caught too. The run's own records: acyclic.
 */
export function redactValues<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValues(item, redact)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redact(key), redactValues(item, redact)]),
    ) as T;
  }
  return value;
}
