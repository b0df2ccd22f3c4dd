// Issue #12's consumer test on React 19 (create-vite's react-ts template as it ships): see describeConsumerApp.ts.
import { REACT_19 } from './consumerApp';
import { describeConsumerApp } from './describeConsumerApp';

describeConsumerApp(REACT_19, /^19\./);
