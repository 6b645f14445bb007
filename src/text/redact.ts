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
 * Secrets given as a function are asked for at each text: temporary credentials arrive during a run.
 */
export function redactor(
  secrets: readonly (string | undefined)[] | (() => readonly (string | undefined)[]),
): (text: string) => string {
  const valuesOf = (list: readonly (string | undefined)[]) =>
    list.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  const fixed = typeof secrets === 'function' ? undefined : valuesOf(secrets);
  return (text) => {
    const values = fixed ?? valuesOf((secrets as () => readonly (string | undefined)[])());
    const bySecret = values.reduce((out, secret) => out.split(secret).join(REDACTED), text);
    return ECHOED.reduce((out, [shape, replacement]) => out.replace(shape, replacement), bySecret);
  };
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
