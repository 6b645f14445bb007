/** A header's value as Node gives it (a list for repeated headers): the first one, or undefined. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
