/**
 * Why one row cannot be used. Thrown by the per-row steps (row → example → tokens) and caught by the loader, which
 * rejects that row with this reason and goes on: one bad row must not cost the whole file.
 */
export class RowProblem extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RowProblem';
  }
}
