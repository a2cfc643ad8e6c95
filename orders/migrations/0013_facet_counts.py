"""Exact facet counts kept by PostgreSQL (orders/models/facets.py says how and why).

orders_order.line_statuses is written only by these triggers, so it is not a model field;
on SQLite nothing here runs beyond the FacetCount table (the facets are counted by SQL).
"""

from django.db import migrations, models

FUNCTIONS = """
ALTER TABLE orders_order ADD COLUMN IF NOT EXISTS line_statuses text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION orders_refresh_line_statuses(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Lock first, then read the lines with a fresh snapshot: a concurrent transaction that
    -- changed other lines of the same order has committed by then and is seen.
    PERFORM 1 FROM orders_order WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
    UPDATE orders_order o SET line_statuses = c.statuses
    FROM (
        SELECT i.id, ARRAY(
            SELECT DISTINCT li.status::text FROM orders_lineitem li
            WHERE li.order_id = i.id ORDER BY 1
        ) AS statuses
        FROM unnest(ids) AS i(id)
    ) c
    WHERE o.id = c.id AND o.line_statuses IS DISTINCT FROM c.statuses;
END $$;

CREATE OR REPLACE FUNCTION orders_lineitem_facets() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM orders_refresh_line_statuses(ARRAY(SELECT DISTINCT order_id FROM new_lines));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM orders_refresh_line_statuses(ARRAY(SELECT DISTINCT order_id FROM old_lines));
    ELSE
        PERFORM orders_refresh_line_statuses(ARRAY(
            SELECT o.order_id FROM old_lines o JOIN new_lines n ON n.id = o.id
            WHERE o.status IS DISTINCT FROM n.status OR o.order_id IS DISTINCT FROM n.order_id
            UNION
            SELECT n.order_id FROM old_lines o JOIN new_lines n ON n.id = o.id
            WHERE o.order_id IS DISTINCT FROM n.order_id
        ));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION orders_order_facets() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO orders_facetcount (order_status, line_status, n)
        SELECT r.tango_status, l.status, count(*)
        FROM new_orders r, unnest(array_append(r.line_statuses, NULL)) AS l(status)
        GROUP BY 1, 2;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO orders_facetcount (order_status, line_status, n)
        SELECT r.tango_status, l.status, -count(*)
        FROM old_orders r, unnest(array_append(r.line_statuses, NULL)) AS l(status)
        GROUP BY 1, 2;
    ELSE
        WITH changed AS (
            SELECT o.tango_status AS old_status, o.line_statuses AS old_lines,
                   n.tango_status AS new_status, n.line_statuses AS new_lines
            FROM old_orders o JOIN new_orders n ON n.id = o.id
            WHERE (o.tango_status, o.line_statuses)
                  IS DISTINCT FROM (n.tango_status, n.line_statuses)
        )
        INSERT INTO orders_facetcount (order_status, line_status, n)
        SELECT c.tango_status, l.status, sum(c.delta)
        FROM (
            SELECT old_status, old_lines, -1 FROM changed
            UNION ALL
            SELECT new_status, new_lines, 1 FROM changed
        ) c(tango_status, line_statuses, delta),
        unnest(array_append(c.line_statuses, NULL)) AS l(status)
        GROUP BY 1, 2
        HAVING sum(c.delta) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION orders_facets_compact() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    remaining bigint;
BEGIN
    WITH gone AS (DELETE FROM orders_facetcount RETURNING order_status, line_status, n)
    INSERT INTO orders_facetcount (order_status, line_status, n)
    SELECT order_status, line_status, sum(n) FROM gone
    GROUP BY 1, 2 HAVING sum(n) <> 0;
    SELECT count(*) INTO remaining FROM orders_facetcount;
    RETURN remaining;
END $$;

CREATE OR REPLACE FUNCTION orders_facets_rebuild(refresh_lines boolean DEFAULT true)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE orders_order, orders_lineitem IN SHARE MODE;
    IF refresh_lines THEN
    UPDATE orders_order o SET line_statuses = c.statuses
    FROM (
        SELECT order_id, array_agg(DISTINCT status::text ORDER BY status::text) AS statuses
        FROM orders_lineitem GROUP BY order_id
    ) c
    WHERE o.id = c.order_id AND o.line_statuses IS DISTINCT FROM c.statuses;
    UPDATE orders_order SET line_statuses = '{}'
    WHERE line_statuses <> '{}'
      AND NOT EXISTS (SELECT 1 FROM orders_lineitem li WHERE li.order_id = orders_order.id);
    END IF;
    DELETE FROM orders_facetcount;
    INSERT INTO orders_facetcount (order_status, line_status, n)
    SELECT r.tango_status, l.status, count(*)
    FROM orders_order r, unnest(array_append(r.line_statuses, NULL)) AS l(status)
    GROUP BY 1, 2;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER orders_lineitem_facets_insert AFTER INSERT ON orders_lineitem
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION orders_lineitem_facets();
CREATE TRIGGER orders_lineitem_facets_update AFTER UPDATE ON orders_lineitem
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION orders_lineitem_facets();
CREATE TRIGGER orders_lineitem_facets_delete AFTER DELETE ON orders_lineitem
    REFERENCING OLD TABLE AS old_lines
    FOR EACH STATEMENT EXECUTE FUNCTION orders_lineitem_facets();
CREATE TRIGGER orders_order_facets_insert AFTER INSERT ON orders_order
    REFERENCING NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION orders_order_facets();
CREATE TRIGGER orders_order_facets_update AFTER UPDATE ON orders_order
    REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION orders_order_facets();
CREATE TRIGGER orders_order_facets_delete AFTER DELETE ON orders_order
    REFERENCING OLD TABLE AS old_orders
    FOR EACH STATEMENT EXECUTE FUNCTION orders_order_facets();
"""

DROP = """
DROP TRIGGER IF EXISTS orders_lineitem_facets_insert ON orders_lineitem;
DROP TRIGGER IF EXISTS orders_lineitem_facets_update ON orders_lineitem;
DROP TRIGGER IF EXISTS orders_lineitem_facets_delete ON orders_lineitem;
DROP TRIGGER IF EXISTS orders_order_facets_insert ON orders_order;
DROP TRIGGER IF EXISTS orders_order_facets_update ON orders_order;
DROP TRIGGER IF EXISTS orders_order_facets_delete ON orders_order;
DROP FUNCTION IF EXISTS orders_facets_rebuild(boolean);
DROP FUNCTION IF EXISTS orders_facets_compact();
DROP FUNCTION IF EXISTS orders_order_facets();
DROP FUNCTION IF EXISTS orders_lineitem_facets();
DROP FUNCTION IF EXISTS orders_refresh_line_statuses(bigint[]);
ALTER TABLE orders_order DROP COLUMN IF EXISTS line_statuses;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        cursor.execute(TRIGGERS)
        cursor.execute("SELECT orders_facets_rebuild()")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0012_order_reissue_request"),
    ]

    operations = [
        migrations.CreateModel(
            name="FacetCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("order_status", models.TextField()),
                ("line_status", models.TextField(null=True)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["line_status", "order_status"], name="facet_count_key")],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
