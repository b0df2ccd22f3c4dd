// Issue #12's consumer test on React 18.3 (react, react-dom 18.3.1, @types/react 18): the same app, so it also
// proves Suspense without `use` and the shipped types against React 18's. See describeConsumerApp.ts.
import { REACT_18 } from './consumerApp';
import { describeConsumerApp } from './describeConsumerApp';

describeConsumerApp(REACT_18, /^18\.3\.1$/);
