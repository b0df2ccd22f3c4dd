// BraidClient's multiplexer (many subscriptions on one stream, Multiplexing v1.0), served by the same braid.
import { braid } from '../../../../lib/braid';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = braid.fetch;
export const POST = braid.fetch;
export const PUT = braid.fetch;
export const DELETE = braid.fetch;
export const OPTIONS = braid.fetch;
