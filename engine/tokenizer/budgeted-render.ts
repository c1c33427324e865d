import { Environment, Interpreter, type Template } from '@huggingface/jinja';
import { TemplateBudgetExceeded, templateGlobals } from './template-globals';

/**
 * Limits on one render of an untrusted chat template (templates come from any hub repo). A real template renders a
 * conversation in a few thousand evaluation steps and well under a millisecond; these bounds are far above that and
 * far below what hangs or exhausts the process.
 */
export interface TemplateBudget {
  /** AST nodes evaluated (each loop iteration evaluates its body's nodes). */
  maxSteps: number;
  /** Wall-clock milliseconds, checked every CLOCK_EVERY steps. */
  maxMillis: number;
  /** Characters in any string the template builds, its output included. */
  maxChars: number;
  /** Items in any list the template builds (`{% set l = l + l %}` doubles one). */
  maxItems: number;
}

export const DEFAULT_TEMPLATE_BUDGET: TemplateBudget = { maxSteps: 2_000_000, maxMillis: 2_000, maxChars: 4_000_000, maxItems: 1_000_000 };

/**
 * Steps between two looks at the clock. One step can cost milliseconds (a filter over a string of millions of
 * characters), so a check every 1024 steps let a template run far past its time; Date.now() every 64 costs nothing
 * beside the interpreter's own work per node.
 */
const CLOCK_EVERY = 64;

type Statement = Parameters<Interpreter['evaluate']>[0];
type RuntimeValue = ReturnType<Interpreter['evaluate']>;

/**
 * The library's interpreter with a step counter, a clock and a string-size check on every evaluated node. A loop
 * costs one step per iteration on top of its body's nodes: an empty body evaluates no node, and a nested
 * `range(100000)` loop would otherwise run 10^10 iterations for a handful of counted steps.
 */
class BudgetedInterpreter extends Interpreter {
  private steps = 0;
  private nextClockCheck = CLOCK_EVERY;
  private readonly started = Date.now();
  /** The iterable expressions of the loops being entered: their value's length is charged when they evaluate. */
  private readonly loopIterables = new WeakSet<object>();

  constructor(
    env: Environment,
    private readonly budget: TemplateBudget,
  ) {
    super(env);
  }

  override evaluate(statement: Statement, environment: Environment): RuntimeValue {
    this.charge(1);
    const iterable = loopIterable(statement);
    if (iterable !== undefined) this.loopIterables.add(iterable);
    const value = super.evaluate(statement, environment);
    if (statement !== undefined && this.loopIterables.has(statement)) this.charge(iterationCount(value));
    // Checked on every node, so doubling a string (`{% set s = s + s %}`) stops one step past the limit.
    if (typeof value.value === 'string' && value.value.length > this.budget.maxChars) {
      throw new TemplateBudgetExceeded(`a string of more than ${this.budget.maxChars} characters`);
    }
    if (Array.isArray(value.value) && value.value.length > this.budget.maxItems) {
      throw new TemplateBudgetExceeded(`a list of more than ${this.budget.maxItems} items`);
    }
    return value;
  }

  charge(steps: number): void {
    this.steps += steps;
    if (this.steps > this.budget.maxSteps) {
      throw new TemplateBudgetExceeded(`more than ${this.budget.maxSteps} evaluation steps`);
    }
    if (this.steps >= this.nextClockCheck) {
      this.nextClockCheck = this.steps + CLOCK_EVERY;
      if (Date.now() - this.started > this.budget.maxMillis) throw new TemplateBudgetExceeded(`more than ${this.budget.maxMillis} ms`);
    }
  }
}

/**
 * The node a `For` statement evaluates first to get its items (`for x in items if test` evaluates `items`). The
 * package exports no AST types, so the two fields are read by their documented names.
 */
function loopIterable(statement: Statement): object | undefined {
  if (statement?.type !== 'For') return undefined;
  const { iterable } = statement as unknown as { iterable: { type: string; lhs?: object } };
  return iterable.type === 'SelectExpression' && iterable.lhs !== undefined ? iterable.lhs : iterable;
}

/** How many times a loop over `value` runs: an array's length, an object's key count, else 0. */
function iterationCount(value: RuntimeValue): number {
  const inner: unknown = value.value;
  if (Array.isArray(inner)) return inner.length;
  if (inner instanceof Map) return inner.size;
  return 0;
}

/** `template.render(items)` under `budget`; throws TemplateBudgetExceeded when a limit is crossed. */
export function renderWithBudget(template: Template, items: Record<string, unknown>, budget: TemplateBudget): string {
  const env = new Environment();
  const interpreter = new BudgetedInterpreter(env, budget);
  for (const [key, value] of Object.entries({ ...templateGlobals((n) => interpreter.charge(n)), ...items })) env.set(key, value);
  const result = interpreter.run(template.parsed);
  if (typeof result.value !== 'string') throw new Error(`the template rendered a ${result.type}, not text`);
  return result.value;
}
