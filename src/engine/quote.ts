// User strings (node ids and types, param and port names, paths) go into messages quoted and cut short:
// a graph file may hold a 10 MB node type, and echoing it whole made a 10 MB error message.

/** Characters of one user string kept in a message. */
export const QUOTE_MAX_CHARS = 120;

/** `text` cut to `max` characters, saying how long it really was. Control characters are escaped. */
export function shorten(text: string, max = QUOTE_MAX_CHARS): string {
  const visible = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (text.length <= max) return visible(text);
  return `${visible(text.slice(0, max))}… (${text.length} characters)`;
}

/** `text` in double quotes, shortened. */
export function quote(text: string, max = QUOTE_MAX_CHARS): string {
  return `"${shorten(String(text), max)}"`;
}

/** A list of user strings, at most `count` of them, each shortened. */
export function quoteList(items: readonly string[], count = 20, max = 60): string {
  const shown = items.slice(0, count).map((item) => shorten(item, max));
  return `${shown.join(', ')}${items.length > count ? `, … (${items.length} in all)` : ''}`;
}
