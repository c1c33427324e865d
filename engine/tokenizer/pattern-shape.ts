/**
 * A shape check for regular expressions that come from untrusted files (tokenizer.json Split / Replace patterns,
 * adapter_config.json `target_modules`). JavaScript's regex engine backtracks and cannot be interrupted, so a pattern
 * such as `((.)*)*Z` hangs the thread on a short input. The check refuses the two shapes that make backtracking blow up:
 * - a repeated group (`*`, `+`, `{n,m}` with m > 1) whose body holds a quantifier or alternatives — the nested
 *   repetition behind exponential backtracking (`(a+)+`, `(a|a)*`, `((.)*)*`);
 * - more than `maxUnbounded` unbounded quantifiers (`*`, `+`, `{n,}`) along one alternative — each one adds a power
 *   of the input length to the worst case.
 * Every real pre-tokenizer pattern (GPT-2, Llama 3, Qwen2, Mistral, DeepSeek) and PEFT's usual target patterns pass.
 * The pattern is read as JavaScript reads it (`[]` is an empty class), since JavaScript is what runs it.
 */
export function unsafePatternReason(source: string, maxUnbounded: number): string | undefined {
  try {
    new PatternScanner(source, maxUnbounded).scan();
    return undefined;
  } catch (e) {
    if (e instanceof UnsafePattern) return e.message;
    throw e;
  }
}

class UnsafePattern extends Error {}

/** One open group: what its body holds, and the unbounded quantifiers along its current and longest alternative. */
interface Frame {
  hasQuantifier: boolean;
  hasAlternation: boolean;
  current: number;
  longest: number;
}

interface Quantifier {
  /** Whether it repeats its atom more than once (everything but `?`, `{0,1}`, `{1}`, `{0}`). */
  repeats: boolean;
  unbounded: boolean;
}

class PatternScanner {
  private i = 0;
  private readonly frames: Frame[] = [newFrame()];

  constructor(
    private readonly s: string,
    private readonly maxUnbounded: number,
  ) {}

  scan(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '(') {
        this.openGroup();
      } else if (c === ')') {
        this.closeGroup();
      } else if (c === '|') {
        const frame = this.top();
        frame.hasAlternation = true;
        frame.longest = Math.max(frame.longest, frame.current);
        frame.current = 0;
        this.i += 1;
      } else {
        this.skipAtom();
        this.applyQuantifier(this.readQuantifier(), { hasQuantifier: false, hasAlternation: false, unbounded: 0 });
      }
    }
    if (this.frames.length !== 1) throw new UnsafePattern('an unclosed group');
  }

  private top(): Frame {
    const frame = this.frames[this.frames.length - 1];
    if (frame === undefined) throw new UnsafePattern('an unbalanced ")"');
    return frame;
  }

  private openGroup(): void {
    this.i += 1;
    if (this.s[this.i] === '?') {
      // (?: (?= (?! (?<= (?<! (?<name> (?i: (?> — skip the group's header up to its body.
      this.i += 1;
      if (this.s[this.i] === '<' && this.s[this.i + 1] !== '=' && this.s[this.i + 1] !== '!') {
        const end = this.s.indexOf('>', this.i);
        if (end < 0) throw new UnsafePattern('an unterminated group name');
        this.i = end + 1;
      } else {
        while (this.i < this.s.length && /[a-zA-Z\-<=!:>]/.test(this.s[this.i] ?? '')) {
          const header = this.s[this.i];
          this.i += 1;
          if (header === ':' || header === '=' || header === '!' || header === '>') break;
        }
      }
    }
    this.frames.push(newFrame());
  }

  private closeGroup(): void {
    this.i += 1;
    const group = this.frames.pop();
    if (group === undefined || this.frames.length === 0) throw new UnsafePattern('an unbalanced ")"');
    const unbounded = Math.max(group.longest, group.current);
    this.applyQuantifier(this.readQuantifier(), { hasQuantifier: group.hasQuantifier, hasAlternation: group.hasAlternation, unbounded });
  }

  private applyQuantifier(q: Quantifier | undefined, body: { hasQuantifier: boolean; hasAlternation: boolean; unbounded: number }): void {
    const frame = this.top();
    if (q !== undefined && q.repeats && (body.hasQuantifier || body.hasAlternation)) {
      const inner = body.hasQuantifier ? 'a quantifier' : 'alternatives';
      throw new UnsafePattern(`a repeated group holds ${inner} (nested repetition backtracks exponentially)`);
    }
    frame.hasQuantifier ||= body.hasQuantifier || q !== undefined;
    frame.hasAlternation ||= body.hasAlternation;
    frame.current += body.unbounded + (q?.unbounded === true ? 1 : 0);
    if (frame.current > this.maxUnbounded) {
      throw new UnsafePattern(`more than ${this.maxUnbounded} unbounded quantifiers (*, +, {n,}) in one alternative`);
    }
  }

  private skipAtom(): void {
    const c = this.s[this.i];
    if (c === '\\') {
      this.skipEscape();
    } else if (c === '[') {
      this.skipClass();
    } else {
      this.i += 1;
    }
  }

  private skipEscape(): void {
    const next = this.s[this.i + 1];
    this.i += 2;
    if ((next === 'p' || next === 'P' || next === 'u' || next === 'x' || next === 'k') && (this.s[this.i] === '{' || this.s[this.i] === '<')) {
      const close = this.s[this.i] === '{' ? '}' : '>';
      const end = this.s.indexOf(close, this.i);
      if (end < 0) throw new UnsafePattern(`an unterminated \\${next} escape`);
      this.i = end + 1;
    }
  }

  /** A character class, nested classes included (Oniguruma's `[a-z&&[^aeiou]]`). */
  private skipClass(): void {
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\') {
        this.i += 2;
        continue;
      }
      this.i += 1;
      if (c === '[') depth += 1;
      else if (c === ']' && --depth === 0) return;
    }
    throw new UnsafePattern('an unterminated character class');
  }

  private readQuantifier(): Quantifier | undefined {
    const c = this.s[this.i];
    let q: Quantifier | undefined;
    if (c === '*' || c === '+') {
      this.i += 1;
      q = { repeats: true, unbounded: true };
    } else if (c === '?') {
      this.i += 1;
      q = { repeats: false, unbounded: false };
    } else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(this.s.slice(this.i, this.i + 24));
      if (m === null) return undefined; // a literal "{", as JavaScript (without the u flag) and Oniguruma read it
      this.i += m[0].length;
      const max = m[2] === '' ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
      q = { repeats: max > 1, unbounded: max === Infinity };
    }
    // A lazy `?` or possessive `+` suffix changes the order tried, not the shape.
    if (q !== undefined && (this.s[this.i] === '?' || this.s[this.i] === '+')) this.i += 1;
    if (q !== undefined && /^[*+?{]/.test(this.s[this.i] ?? '') && this.readQuantifier()?.repeats === true) {
      throw new UnsafePattern('a quantifier applied to a quantifier');
    }
    return q;
  }
}

function newFrame(): Frame {
  return { hasQuantifier: false, hasAlternation: false, current: 0, longest: 0 };
}
