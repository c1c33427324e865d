/**
 * The globals a Hugging Face chat template may call, as @huggingface/jinja's own `Template.render` sets them, except
 * `range`, which is bounded: the library's builds the whole list up front, so `range(200000000)` allocates a
 * 200-million-element array and kills the process before any step budget can stop it.
 */
export const MAX_RANGE_ITEMS = 100_000;

/** Thrown (and turned into a SafeTuneError naming the template's file) when a template exceeds a budget. */
export class TemplateBudgetExceeded extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'TemplateBudgetExceeded';
  }
}

/**
 * `charge(items)` is told each list `range` builds: building it is work the interpreter's step count does not see (one
 * call, 100,000 items), so the render's budget charges it — a loop calling range(100000)|join in its body ran 13.8 s
 * here before the 2-s limit, read only between evaluation steps, stopped it.
 */
export function templateGlobals(charge: (items: number) => void = () => undefined): Record<string, unknown> {
  return {
    false: false,
    true: true,
    none: null,
    False: false,
    True: true,
    None: null,
    raise_exception: (message: unknown) => {
      throw new Error(String(message));
    },
    range: (first: unknown, second?: unknown, third?: unknown): number[] => {
      const items = boundedRange(first, second, third);
      charge(items.length);
      return items;
    },
    strftime_now: (format: unknown) => strftime(new Date(), String(format)),
  };
}

/** Python's range(stop) / range(start, stop[, step]) as a list, refused when it would hold more than MAX_RANGE_ITEMS. */
function boundedRange(first: unknown, second?: unknown, third?: unknown): number[] {
  const [start, stop] = second === undefined || second === null ? [0, Number(first)] : [Number(first), Number(second)];
  const step = third === undefined || third === null ? 1 : Number(third);
  if (![start, stop, step].every(Number.isFinite)) throw new Error('range() arguments must be numbers');
  if (step === 0) throw new Error('range() step must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE_ITEMS) {
    throw new TemplateBudgetExceeded(`range() of ${count} items (at most ${MAX_RANGE_ITEMS} are allowed)`);
  }
  return Array.from({ length: count }, (_, i) => start + i * step);
}

/** The strftime codes chat templates use (Llama 3.x writes "Today Date: 26 Jul 2024"), in English as Python's C locale. */
function strftime(date: Date, format: string): string {
  const pad2 = (n: number) => String(n).padStart(2, '0');
  return format.replace(/%[YmdbBHM%]/g, (token) => {
    switch (token) {
      case '%Y':
        return String(date.getFullYear());
      case '%m':
        return pad2(date.getMonth() + 1);
      case '%d':
        return pad2(date.getDate());
      case '%b':
        return date.toLocaleString('en-US', { month: 'short' });
      case '%B':
        return date.toLocaleString('en-US', { month: 'long' });
      case '%H':
        return pad2(date.getHours());
      case '%M':
        return pad2(date.getMinutes());
      default:
        return '%';
    }
  });
}
