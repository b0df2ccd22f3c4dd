/**
 * The Standard Schema v1 interface (https://standardschema.dev), which zod (v3.24+, v4), valibot (v1), ArkType and
 * others implement: written out here, as the spec intends, so that no schema library is a dependency. Only the
 * types: a schema is whatever object has a conforming `~standard` property.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    /** The library that made the schema ('zod', 'valibot'...). */
    readonly vendor: string;
    /** Checks a value; may answer asynchronously (a schema with async refinements). */
    readonly validate: (
      value: unknown,
      options?: StandardSchemaV1.Options | undefined,
    ) => Result<Output> | Promise<Result<Output>>;
    /** For type inference only (never present at run time). */
    readonly types?: Types<Input, Output> | undefined;
  }

  type Result<Output> = SuccessResult<Output> | FailureResult;

  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }

  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }

  interface Options {
    /** Options for the schema library itself. */
    readonly libraryOptions?: Record<string, unknown> | undefined;
  }

  interface Issue {
    readonly message: string;
    /** Where in the value: keys, or segments that carry a key. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }

  interface PathSegment {
    readonly key: PropertyKey;
  }

  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }

  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}
