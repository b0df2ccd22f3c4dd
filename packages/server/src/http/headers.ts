/** A request header as one string (repeated headers joined with ", "), or undefined when absent. */
export function header(
  req: { readonly headers: Readonly<Record<string, string | string[] | undefined>> },
  name: string,
): string | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Headers every Braid response carries (static: built once). */
export const BRAID_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Range-Request-Allow-Methods': 'PATCH, PUT',
  'Range-Request-Allow-Units': 'json',
});

export const ALLOWED_METHODS = 'GET, HEAD, PUT, PATCH, OPTIONS';
