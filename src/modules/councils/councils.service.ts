/**
 * Councils are the tenants. A request finds its council by host name (a real deployment gives
 * each council its own domain) or, for local use, by a `/c/{slug}` path prefix.
 */
import type { Db } from '../../db/index.ts';

export type CouncilSettings = {
  /** Shown in the footer and the staff console. */
  tagline?: string;
  /** Welsh Language Standards: publish every post in Welsh and English. */
  isBilingual?: boolean;
};

export type Council = {
  id: string;
  slug: string;
  name: string;
  nameCy: string | null;
  hostnames: string[];
  logoSvg: string | null;
  brandColour: string;
  contactEmail: string | null;
  settings: CouncilSettings;
};

type Row = {
  id: string;
  slug: string;
  name: string;
  name_cy: string | null;
  hostnames: string[];
  logo_svg: string | null;
  brand_colour: string;
  contact_email: string | null;
  settings: unknown;
};

function toCouncil(r: Row): Council {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    nameCy: r.name_cy,
    hostnames: r.hostnames,
    logoSvg: r.logo_svg,
    brandColour: r.brand_colour,
    contactEmail: r.contact_email,
    settings: (r.settings ?? {}) as CouncilSettings,
  };
}

export class CouncilsError extends Error {
  constructor(
    readonly kind: 'validation' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

export class CouncilsService {
  // Councils change rarely and are read on every request: a short cache saves a query each time.
  // Keyed by the request's Host header, which anyone can set: bounded, or a stream of made-up
  // host names would grow it without limit.
  private cache = new Map<string, { council: Council | undefined; at: number }>();
  private readonly ttlMs = 30_000;
  private readonly maxCached = 1_000;

  constructor(
    private readonly appDb: Db,
    private readonly systemDb: Db,
  ) {}

  private async cached(key: string, load: () => Promise<Council | undefined>): Promise<Council | undefined> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.council;
    const council = await load();
    this.cache.delete(key);
    this.cache.set(key, { council, at: Date.now() });
    // Maps iterate in insertion order, so the first key is the least recently loaded.
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    return council;
  }

  async findBySlug(slug: string): Promise<Council | undefined> {
    if (!/^[a-z0-9-]{2,40}$/.test(slug)) return undefined;
    return this.cached(`slug:${slug}`, async () => {
      const row = await this.appDb
        .selectFrom('councils')
        .selectAll()
        .where('slug', '=', slug)
        .executeTakeFirst();
      return row ? toCouncil(row) : undefined;
    });
  }

  async findByHost(host: string): Promise<Council | undefined> {
    const name = host.toLowerCase().replace(/:\d+$/, '');
    return this.cached(`host:${name}`, async () => {
      const row = await this.appDb
        .selectFrom('councils')
        .selectAll()
        .where((eb) => eb(eb.val(name), '=', eb.fn.any('hostnames')))
        .executeTakeFirst();
      return row ? toCouncil(row) : undefined;
    });
  }

  async list(): Promise<Council[]> {
    const rows = await this.appDb.selectFrom('councils').selectAll().orderBy('name').execute();
    return rows.map(toCouncil);
  }

  /** Creates a council (an operator's action, from the CLI or the demo seed). */
  async create(input: {
    slug: string;
    name: string;
    nameCy?: string;
    hostnames?: string[];
    logoSvg?: string;
    brandColour?: string;
    contactEmail?: string;
    settings?: CouncilSettings;
  }): Promise<Council> {
    if (!/^[a-z0-9-]{2,40}$/.test(input.slug))
      throw new CouncilsError('validation', 'Slug must be 2 to 40 lowercase letters, digits or hyphens');
    const existing = await this.systemDb
      .selectFrom('councils')
      .select('id')
      .where('slug', '=', input.slug)
      .executeTakeFirst();
    if (existing) throw new CouncilsError('conflict', `A council with slug ${input.slug} already exists`);
    const row = await this.systemDb
      .insertInto('councils')
      .values({
        slug: input.slug,
        name: input.name,
        name_cy: input.nameCy ?? null,
        hostnames: (input.hostnames ?? []).map((h) => h.toLowerCase()),
        logo_svg: input.logoSvg ?? null,
        brand_colour: input.brandColour,
        contact_email: input.contactEmail ?? null,
        settings: JSON.stringify(input.settings ?? {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.cache.clear();
    return toCouncil(row);
  }
}
