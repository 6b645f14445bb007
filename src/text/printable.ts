// Text from a response shown on a terminal: control and invisible characters made visible (docs/bounds.md).

/**
 * C0 and C1 controls and DEL (`\x1b`, `\x07`, `\r`, …) and the Unicode bidirectional and invisible format
 * characters (U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF): a name or message from the API
 * could otherwise move the cursor, retitle the window or reorder what the operator reads.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** `text` with every unsafe character shown as `\xNN` (controls) or `\u{NNNN}` (format characters). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u{${code.toString(16).padStart(4, '0')}}`;
  });
}
