import { describe, expect, it } from 'vitest';
import { displayWidth, screenRows } from '../src/cli-text-width';

describe('displayWidth', () => {
  it('counts kana, kanji and fullwidth forms as two columns, combining marks and controls as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('ｱ')).toBe(1); // halfwidth katakana
    expect(displayWidth('Ａ！')).toBe(4); // fullwidth forms
    expect(displayWidth('e\u0301')).toBe(1); // e + combining acute
    expect(displayWidth('か\u3099')).toBe(2); // か + combining voiced mark
    expect(displayWidth('😀')).toBe(2);
    expect(displayWidth('\x07')).toBe(0);
  });
});

describe('screenRows', () => {
  it('one row for text that fits, including text that ends exactly at the edge', () => {
    expect(screenRows('', 10)).toBe(1);
    expect(screenRows('1234567890', 10)).toBe(1);
    expect(screenRows('12345678901', 10)).toBe(2);
  });

  it('a line break starts a row (the cursor row after a final \\n counts)', () => {
    expect(screenRows('a\nb', 10)).toBe(2);
    expect(screenRows('a\n', 10)).toBe(2);
    expect(screenRows('1234567890\n', 10)).toBe(2);
  });

  it('a wide character that does not fit in the last column wraps whole', () => {
    expect(screenRows('aあいうえ', 9)).toBe(1); // 1 + 8 = 9 columns
    expect(screenRows('aあいうえお', 9)).toBe(2);
    expect(screenRows('あいうえお', 9)).toBe(2); // 4 fit (8 columns); the fifth needs 2 more
  });

  it('tabs stop at the right edge without wrapping', () => {
    expect(screenRows('abcdefg\t', 8)).toBe(1);
    expect(screenRows('\t\tx', 10)).toBe(2);
  });
});
