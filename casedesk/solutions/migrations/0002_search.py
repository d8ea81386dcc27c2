"""The Solutions Center's search structures. PostgreSQL: stored generated tsvectors of the
whole article (title A, summary B, text C) and of the title alone, each under a GIN index
with the audience,
and the words of titles per audience under a trigram index (typos). SQLite: the FTS5 table
of articles (porter stemming) and a trigram FTS5 table of the words of titles."""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """ALTER TABLE solutions_article ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, summary), 'B')
        || setweight(to_tsvector('english'::regconfig, body_text), 'C')) STORED""",
    """ALTER TABLE solutions_article ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, title)) STORED""",
    # With the audience (btree_gin), so a reader's search narrows inside the index itself.
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX solutions_article_tsv ON solutions_article USING gin (audience, tsv)",
    "CREATE INDEX solutions_article_title_tsv ON solutions_article USING gin (audience, title_tsv)",
    "CREATE TABLE solutions_word (word text NOT NULL, audience varchar(10) NOT NULL, PRIMARY KEY (word, audience))",
    "CREATE INDEX solutions_word_trgm ON solutions_word USING gin (word gin_trgm_ops)",
]
SQLITE = [
    "CREATE VIRTUAL TABLE solutions_article_fts USING fts5(title, summary, body, tokenize='porter unicode61')",
    "CREATE VIRTUAL TABLE solutions_word_fts USING fts5(word, audience UNINDEXED, tokenize='trigram')",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS solutions_article_fts")
        schema_editor.execute("DROP TABLE IF EXISTS solutions_word_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS solutions_word")
        schema_editor.execute("ALTER TABLE solutions_article DROP COLUMN IF EXISTS tsv")
        schema_editor.execute("ALTER TABLE solutions_article DROP COLUMN IF EXISTS title_tsv")


class Migration(migrations.Migration):
    dependencies = [("solutions", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
