import type { Authorize, BraidRequest } from '../types';

/** Checks the text a write would produce; like `Validate` of JSON resources (true/undefined accept). */
export type ValidateText = (
  next: string,
  prev: string,
  req: BraidRequest | undefined,
) => boolean | string | undefined | Promise<boolean | string | undefined>;

/** Options of `braid.text(path, options)`. */
export interface TextResourceOptions {
  /** The text before any edit, or a function of the pattern's params and the path. */
  initial: string | ((params: Record<string, string>, path: string) => string);
  /** A version id for the initial text (default: none, the empty version). */
  initialVersion?: string;
  /** Overrides the server-wide `authorize` for this resource. */
  authorize?: Authorize;
  validate?: ValidateText;
  /** Longest text accepted, in code points (a write past it answers 413). Default 10 000 000. */
  maxLength?: number;
  /** For a path pattern: how many texts it may create (as for `braid.resource`). */
  maxResources?: number;
  /** Send `Repr-Digest` (SHA-256 of the text) on updates and GETs, as braid-text does. Default true. */
  digests?: boolean;
}

/** Marks a resource definition as text (registered by `braid.text`). */
export const TEXT_RESOURCE = Symbol('braid-live text resource');

export interface TextDefinition extends TextResourceOptions {
  readonly [TEXT_RESOURCE]: true;
}

export function isTextDefinition(options: unknown): options is TextDefinition {
  return typeof options === 'object' && options !== null && TEXT_RESOURCE in options;
}

export function textDefinition(path: string, options: TextResourceOptions): TextDefinition {
  if (!options || typeof options !== 'object' || !('initial' in options))
    throw new TypeError(`braid.text(${JSON.stringify(path)}): options.initial is required`);
  if (typeof options.initial !== 'string' && typeof options.initial !== 'function')
    throw new TypeError(
      `braid.text(${JSON.stringify(path)}): options.initial must be a string or a function`,
    );
  return { ...options, [TEXT_RESOURCE]: true };
}
