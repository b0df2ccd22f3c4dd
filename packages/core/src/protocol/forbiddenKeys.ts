/**
 * Keys refused at any depth of a path (and of content): they would reach Object.prototype. A file of its own:
 * content checks (jsonContent, on the initial client code) need it without the range parser.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
