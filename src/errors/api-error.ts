/**
 * Errors the API turns into 4xx answers. Each carries a stable code, an HTTP status and a Chinese
 * message for the person at the window; validation errors also carry the field paths.
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what}不存在`);
export const conflict = (code: string, message: string) => new ApiError(409, code, message);
export const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', message);
export const unprocessable = (code: string, message: string, issues: FieldIssue[] = []) => new ApiError(422, code, message, issues);
