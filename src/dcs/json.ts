/** JSON.parse that answers null instead of throwing: a body that is not JSON is judged by the caller. */
export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
