// How a value the API sent is shown in logs when it could not be used: bounded whatever its shape.

/**
 * `value` written as JSON up to `max` characters (strings, numbers and nesting as JSON shows them), so that
 * `5`, `"5"`, `".."` and control characters stay distinguishable and harmless. Work and output are bounded
 * by `max`, not by the value: an array nested 90,000 deep or a 7 MiB string costs no more than a short one,
 * and nothing recurses. undefined when there is no value.
 */
export function preview(value: unknown, max: number): string | undefined {
  if (value === undefined) return undefined;
  let out = '';
  // What is still to be written, last first: values, or literal text (closing brackets, separators).
  const stack: ({ value: unknown } | { text: string })[] = [{ value }];
  while (stack.length > 0 && out.length < max) {
    const next = stack.pop() as { value: unknown } | { text: string };
    if ('text' in next) {
      out += next.text;
      continue;
    }
    const item = next.value;
    if (Array.isArray(item)) {
      out += '[';
      stack.push({ text: ']' });
      // Only as many elements as could still show.
      for (let i = Math.min(item.length, max) - 1; i >= 0; i--) {
        stack.push({ value: item[i] });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof item === 'object' && item !== null) {
      out += '{';
      stack.push({ text: '}' });
      const keys = Object.keys(item).slice(0, max);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: (item as Record<string, unknown>)[key] });
        stack.push({ text: `${JSON.stringify(key.slice(0, max))}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof item === 'string') {
      out += JSON.stringify(item.slice(0, max));
    } else {
      // Numbers, booleans and null as JSON writes them (Infinity becomes null there: show it as it is).
      out += typeof item === 'number' && !Number.isFinite(item) ? String(item) : String(JSON.stringify(item));
    }
  }
  return out.length > max ? out.slice(0, max) : out;
}
