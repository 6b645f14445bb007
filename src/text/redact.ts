/** Replaces every occurrence of the given secrets (SK, security token) in a text. */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = secrets.filter(
    (secret): secret is string => typeof secret === 'string' && secret.length >= 4,
  );
  return (text) => values.reduce((out, secret) => out.split(secret).join('[REDACTED]'), text);
}
