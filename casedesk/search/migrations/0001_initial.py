"""The search index: documents per case; on PostgreSQL a weighted tsvector with a GIN
index (and one with the organisation, btree_gin), the words of titles for typos and a
trigram index of case numbers (pg_trgm); on SQLite an FTS5 table. Filled for the cases already there."""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_casedocument ADD COLUMN tsv tsvector NOT NULL DEFAULT ''",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX search_doc_tsv ON search_casedocument USING gin (tsv)",
    "CREATE INDEX search_doc_org_tsv ON search_casedocument USING gin (organisation_id, tsv)",
    "CREATE TABLE search_word (word text PRIMARY KEY)",
    "CREATE INDEX search_word_trgm ON search_word USING gin (word gin_trgm_ops)",
    "CREATE INDEX search_doc_number_trgm ON search_casedocument USING gin ((case_id::text) gin_trgm_ops)",
]
SQLITE = [
    "CREATE VIRTUAL TABLE search_case_fts USING fts5("
    "title, description, comments, people, tokenize='porter unicode61')",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    table = {"sqlite": "search_case_fts", "postgresql": "search_word"}.get(schema_editor.connection.vendor)
    if table:
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


def fill(apps, schema_editor):
    from casedesk.search import index

    index.rebuild()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0009_contact_phone_e164"),
        ("cases", "0008_close_warning_update_interval"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseDocument",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="cases.case",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
            ],
            options={"verbose_name": "search document"},
        ),
        migrations.RunPython(create, drop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
