// Finds where JSON text breaks. JSON.parse only sometimes gives a position (it depends on the error and the
// engine's version), and a user fixing a hand-edited graph file needs a line and column.

export interface JsonErrorLocation {
  offset: number;
  reason: string;
}

/** Returns undefined when the text is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  const fail = (reason: string): never => {
    throw { offset: i, reason } satisfies JsonErrorLocation;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expectChar = (c: string) => (text[i] === c ? i++ : fail(i >= text.length ? 'unexpected end of input' : `expected '${c}', found '${text[i]}'`));
  const string = () => {
    expectChar('"');
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('control character inside a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('bad escape in a string');
      }
      i++;
    }
    expectChar('"');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i >= text.length ? 'unexpected end of input' : 'expected a double-quoted property name');
        string();
        ws();
        expectChar(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return void expectChar('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return void expectChar(']');
      }
    }
    if (c === '"') return string();
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (literal) return void (i += literal[0].length);
    fail(i >= text.length ? 'unexpected end of input' : `unexpected '${c}'`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected '${text[i]}' after the end of the document`);
    return undefined;
  } catch (error) {
    if (error && typeof error === 'object' && 'offset' in error) return error as JsonErrorLocation;
    throw error;
  }
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}
