/** A request the server refuses before running any function: HTTP status + `{code, message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(code: string, message: string): HttpError {
  return new HttpError(400, code, message);
}

export function unauthenticated(code: string, message: string): HttpError {
  return new HttpError(401, code, message);
}
