// @braid-live/core: the Braid-HTTP protocol and a framework-agnostic live resource store.
export * from './client/index';
export * from './protocol/index';
