-- Publishing templates and drafting from data: a council's own wording for the built-in post
-- templates (the defaults live in code), and the roadworks and events lists imported from CSV,
-- with one row per imported item so that importing the same reference again updates its draft
-- instead of drafting a second post.

-- A council's wording for one built-in template. No row means the built-in wording is used.
CREATE TABLE publishing_templates (
  council_id uuid NOT NULL REFERENCES councils(id),
  template_key text NOT NULL
    CHECK (template_key IN ('roadworks', 'travel', 'event', 'bins', 'weather', 'consultation', 'meeting')),
  title text NOT NULL CHECK (length(btrim(title)) > 0),
  body text NOT NULL CHECK (length(btrim(body)) > 0),
  short text NOT NULL CHECK (length(btrim(short)) > 0),
  body_cy text,
  short_cy text,
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (council_id, template_key)
);

-- One upload of a roadworks or events list that drafted posts (a refused file leaves no row).
CREATE TABLE publishing_imports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  kind text NOT NULL CHECK (kind IN ('roadworks', 'events')),
  filename text NOT NULL,
  row_count integer NOT NULL CHECK (row_count >= 0),
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, created_by) REFERENCES users(council_id, id),
  UNIQUE (council_id, id)
);
CREATE INDEX publishing_imports_council_idx ON publishing_imports (council_id, created_at DESC);

-- Each item ever imported, by its reference (Street Manager's work reference number, or the
-- event reference), and the post drafted for it. Unique per council, kind and reference.
CREATE TABLE publishing_import_items (
  council_id uuid NOT NULL REFERENCES councils(id),
  kind text NOT NULL CHECK (kind IN ('roadworks', 'events')),
  reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
  post_id uuid NOT NULL,
  -- SHA-256 of the row's values as last imported: an identical row changes nothing.
  row_hash text NOT NULL,
  first_import_id uuid NOT NULL,
  last_import_id uuid NOT NULL,
  -- What the last import did with it: drafted, updated, unchanged, or kept (the post had moved on).
  last_outcome text NOT NULL CHECK (last_outcome IN ('drafted', 'updated', 'unchanged', 'kept')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (council_id, kind, reference),
  FOREIGN KEY (council_id, post_id) REFERENCES posts(council_id, id) ON DELETE CASCADE,
  FOREIGN KEY (council_id, first_import_id) REFERENCES publishing_imports(council_id, id),
  FOREIGN KEY (council_id, last_import_id) REFERENCES publishing_imports(council_id, id)
);
CREATE INDEX publishing_import_items_last_idx ON publishing_import_items (council_id, last_import_id);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['publishing_templates', 'publishing_imports', 'publishing_import_items'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id())',
      t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON publishing_templates TO townsquare_app;
GRANT SELECT, INSERT ON publishing_imports TO townsquare_app;
GRANT SELECT, INSERT, UPDATE ON publishing_import_items TO townsquare_app;
