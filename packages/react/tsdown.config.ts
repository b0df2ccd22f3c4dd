import { packageBuild } from '../../scripts/tsdownConfig';

// React Server Components frameworks need the marker at the top of the built file.
export default packageBuild(import.meta.url, { platform: 'neutral', banner: "'use client';" });
