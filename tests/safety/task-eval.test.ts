import { describe, expect, test } from 'vitest';
import { answersMatch, finalNumber, normalizeSql } from '../../engine/safety/task-eval';

describe('task answer matching', () => {
  test('GSM8K final number: the number after ####, else the last number; commas and trailing zeros ignored', () => {
    expect(finalNumber('She sold 48/2 = <<48/2=24>>24 clips.\n#### 72')).toBe('72');
    expect(finalNumber('so the answer is 1,234.50 dollars')).toBe('1234.5');
    expect(finalNumber('no digits here')).toBeUndefined();
    expect(answersMatch('... in total 72 clips', 'Natalia ... #### 72', 'final-number')).toBe(true);
    expect(answersMatch('... in total 71 clips', 'Natalia ... #### 72', 'final-number')).toBe(false);
  });

  test('SQL: case, whitespace, quotes and a trailing semicolon do not matter; anything else does', () => {
    expect(normalizeSql('SELECT  name FROM t WHERE x = "a";')).toBe("select name from t where x = 'a'");
    expect(answersMatch('select name from t where x = "a"', "SELECT name FROM t WHERE x = 'a';", 'sql')).toBe(true);
    expect(answersMatch('SELECT name FROM t WHERE x = "b"', "SELECT name FROM t WHERE x = 'a'", 'sql')).toBe(false);
  });

  test('exact: surrounding whitespace only', () => {
    expect(answersMatch(' 12 \n', '12', 'exact')).toBe(true);
    expect(answersMatch('12.', '12', 'exact')).toBe(false);
  });
});
