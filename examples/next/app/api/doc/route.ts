// The Braid resource as a Next.js route handler: every method goes to braid.fetch (web-standard Request →
// Response; a subscription is a 209 whose body streams). Node runtime (braid keeps resources in this process),
// and dynamic: Next must never cache or prerender it.
import { braid } from '../../../lib/braid';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = braid.fetch;
export const HEAD = braid.fetch;
export const PUT = braid.fetch;
export const PATCH = braid.fetch;
export const OPTIONS = braid.fetch;
export const DELETE = braid.fetch;
