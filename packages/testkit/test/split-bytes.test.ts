import { afterEach, describe, expect, it } from 'vitest';
import { everySplit, splitAt, splitEvery, startScriptedServer, utf8, type ScriptedServer } from '../src/index';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

describe('utf8', () => {
  it('encodes text as UTF-8', () => {
    expect(utf8('日本')).toEqual(new Uint8Array([0xe6, 0x97, 0xa5, 0xe6, 0x9c, 0xac]));
    expect(utf8('')).toEqual(new Uint8Array());
  });
});

describe('splitAt', () => {
  it('splits inside a multibyte character', () => {
    expect(splitAt('日本', 1)).toEqual([new Uint8Array([0xe6]), new Uint8Array([0x97, 0xa5, 0xe6, 0x9c, 0xac])]);
  });

  it('allows both ends, giving an empty part', () => {
    const bytes = utf8('ab');
    expect(splitAt(bytes, 0)).toEqual([new Uint8Array(), utf8('ab')]);
    expect(splitAt(bytes, 2)).toEqual([utf8('ab'), new Uint8Array()]);
  });

  it('returns copies, not views', () => {
    const bytes = utf8('ab');
    const [first] = splitAt(bytes, 1);
    first![0] = 0x7a;
    expect(bytes).toEqual(utf8('ab'));
  });

  it.each([-1, 7, 1.5, Number.NaN])('rejects the offset %s', (offset) => {
    expect(() => splitAt('日本', offset)).toThrow(/offset must be an integer from 0 to 6/);
  });
});

describe('splitEvery', () => {
  it('cuts into fixed-size chunks, the last one shorter', () => {
    const parts = splitEvery('日本語', 2);
    expect(parts.map((part) => part.byteLength)).toEqual([2, 2, 2, 2, 1]);
    expect(concat(parts)).toEqual(utf8('日本語'));
  });

  it('size 1 yields every byte separately', () => {
    const parts = splitEvery(utf8('a日'), 1);
    expect(parts).toEqual([[0x61], [0xe6], [0x97], [0xa5]].map((bytes) => new Uint8Array(bytes)));
  });

  it('yields nothing for empty input and rejects a bad size', () => {
    expect(splitEvery('', 3)).toEqual([]);
    expect(() => splitEvery('abc', 0)).toThrow(/size must be a positive integer/);
    expect(() => splitEvery('abc', 1.5)).toThrow(/size must be a positive integer/);
  });
});

describe('everySplit', () => {
  it('yields every offset from 0 to length, each rejoining to the input', () => {
    const bytes = utf8('日本\r\n');
    const splits = [...everySplit(bytes)];
    expect(splits.map(([offset]) => offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (const [offset, parts] of splits) {
      expect(parts).toHaveLength(2);
      expect(parts[0]?.byteLength).toBe(offset);
      expect(concat(parts)).toEqual(bytes);
    }
  });

  it('decodes back to the text through a streaming decoder at every split', () => {
    for (const [, parts] of everySplit('data: 日本語\n\n')) {
      const decoder = new TextDecoder();
      const text = parts.map((part) => decoder.decode(part, { stream: true })).join('') + decoder.decode();
      expect(text).toBe('data: 日本語\n\n');
    }
  });
});

describe('split helpers as scripted steps', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => server?.close());

  it('a body split at every byte offset always arrives whole', async () => {
    server = await startScriptedServer();
    const event = 'event: message\ndata: {"text":"架け橋"}\r\n\r\n';
    for (const [, parts] of everySplit(event)) server.reply({ body: parts });
    for (const [offset] of everySplit(event)) {
      const response = await fetch(`${server.url}/split/${offset}`);
      expect(await response.text()).toBe(event);
    }
    expect(server.queuedReplies).toBe(0);
  });
});
