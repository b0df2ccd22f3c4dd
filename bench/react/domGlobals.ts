/**
 * A jsdom window as the global DOM, set up before react-dom is imported (it looks for `document` when it loads).
 * Import this module first. `location` is left out on purpose: the BraidClient gets an explicit baseUrl.
 */
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body><div id="root"></div></body></html>', {
  pretendToBeVisual: true,
});
const g = globalThis as any;
g.window = dom.window;
g.document = dom.window.document;
for (const name of ['HTMLElement', 'HTMLIFrameElement', 'Node', 'Event', 'MutationObserver']) {
  g[name] = (dom.window as any)[name];
}
Object.defineProperty(globalThis, 'navigator', { value: dom.window.navigator, configurable: true });
// React's act() only works (and only stays quiet) where the environment says it is a test environment.
g.IS_REACT_ACT_ENVIRONMENT = true;
