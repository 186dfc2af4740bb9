"""the words of a search that go to the full-text index: the common ones are checked on the row only

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:00:00

A search's tsquery (its words and the caller's access keys) is read in the GIN index by walking the
posting list of every lexeme in it; a word in nearly every ticket ('channel' in the bench's data) has a
posting tree over the whole table, and stepping through it was most of a search's time at 1,000,000
tickets (bench/profiles/ts.md). ``ticket_search_index_query(words)`` gives the words' tsquery without
those found in at least 10% of the tickets by the column's statistics (``pg_stats.most_common_elems``),
or NULL when every word is that common. The list checks every word on the rows the index found
(``ts_match_vq``), so the answer never depends on the statistics: only the work does. PostgreSQL only.
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The share of tickets from which a word is left out of the index lookup.
COMMON = 0.1

SEARCH_INDEX_QUERY = f"""
    CREATE OR REPLACE FUNCTION ticket_search_index_query(words text) RETURNS tsquery
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
    DECLARE
        elems text[];
        freqs real[];
        item text;
        lexeme text;
        freq real;
        kept text[] := '{{}}';
    BEGIN
        SELECT CAST(CAST(s.most_common_elems AS text) AS text[]), s.most_common_elem_freqs INTO elems, freqs
        FROM pg_stats s
        WHERE s.schemaname = current_schema() AND s.tablename = 'tickets' AND s.attname = 'search_vector';
        -- The query is an AND of items as to_tsquery writes them: 'word', 'prefix':* or a phrase.
        FOREACH item IN ARRAY string_to_array(CAST(to_tsquery('simple', words) AS text), ' & ') LOOP
            freq := 0;
            IF elems IS NOT NULL THEN
                IF right(item, 2) = ':*' THEN
                    lexeme := replace(substr(item, 2, length(item) - 4), '''''', '''');
                    SELECT coalesce(sum(freqs[n]), 0) INTO freq FROM unnest(elems) WITH ORDINALITY AS e(elem, n)
                    WHERE starts_with(elem, lexeme);
                ELSE
                    lexeme := replace(substr(item, 2, length(item) - 2), '''''', '''');
                    freq := coalesce(freqs[array_position(elems, lexeme)], 0);
                END IF;
            END IF;
            IF freq < {COMMON} THEN
                kept := kept || item;
            END IF;
        END LOOP;
        RETURN CAST(nullif(array_to_string(kept, ' & '), '') AS tsquery);
    END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEARCH_INDEX_QUERY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ticket_search_index_query(text)")
