/**
 * The compact UTC forms Huawei APIs use, `yyyyMMdd'T'HHmmss'Z'` (X-Sdk-Date) and `yyyyMMddHHmmss`,
 * → epoch ms; undefined when the text is not of that form.
 */
export function parseCompactUtc(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T?(\d{2})(\d{2})(\d{2})Z?$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}
