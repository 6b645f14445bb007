/**
 * JSON.parse that answers undefined instead of throwing: a text that is not JSON is judged by the caller, and
 * JSON.parse's own message (which quotes the text, perhaps a secret) never reaches an output.
 */
export function parseJsonQuietly(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
