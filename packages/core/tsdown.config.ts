import { packageBuild } from '../../scripts/tsdownConfig';

export default packageBuild(import.meta.url, { platform: 'neutral', sharedInitialCode: true });
