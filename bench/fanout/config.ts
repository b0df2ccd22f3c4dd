/** The one resource every system serves and every subscriber follows. */
export const FEED_PATH = '/feed';
/** The version of the braid servers' initial value: the first write names it in Parents. */
export const INITIAL_VERSION = 'v0';
/** The field each write sets (a json range), and the document it lives in. */
export const WRITE_RANGE = '.last';
export const INITIAL_DOC = { title: 'fanout', last: null as unknown };

/** How many subscriptions a subscriber process opens at once while connecting (keeps SYN bursts small). */
export const CONNECT_BATCH = 100;
export const HOST = '127.0.0.1';
