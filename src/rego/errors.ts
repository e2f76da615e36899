// Errors are values until the CLI boundary. Codes follow OPA's (rego_parse_error, ...).

export interface Location {
  file: string;
  line: number;
  col: number;
}

export type RegoErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'rego_type_error'
  | 'eval_conflict_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_cancel_error'
  | 'eval_memory_limit_error'
  | 'internal_error';

export class RegoError extends Error {
  readonly code: RegoErrorCode;
  readonly location: Location | undefined;
  readonly detail: string;

  constructor(code: RegoErrorCode, detail: string, location?: Location) {
    super(location ? `${location.file}:${location.line}:${location.col}: ${code}: ${detail}` : `${code}: ${detail}`);
    this.name = 'RegoError';
    this.code = code;
    this.detail = detail;
    this.location = location;
  }
}

/** Several errors found in one pass (OPA reports all of them, not just the first). */
export class RegoErrors extends Error {
  readonly errors: RegoError[];
  constructor(errors: RegoError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'RegoErrors';
    this.errors = errors;
  }
  get code(): RegoErrorCode {
    return this.errors[0]?.code ?? 'internal_error';
  }
}

export function locString(l: Location): string {
  return `${l.file}:${l.line}:${l.col}`;
}

/**
 * Rules nested deeper than the host's native stack allows overflow it before the runtime's own depth
 * limit: such an evaluation is cancelled, like one past the limit (eval_cancel_error).
 */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
