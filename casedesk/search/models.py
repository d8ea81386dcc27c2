"""The search index: one document per case, written in the transaction of the case action
that changed what it is built from (`casedesk.search.index.refresh`)."""

from __future__ import annotations

from django.db import models


class CaseDocument(models.Model):
    """What the engines search besides their own structures: on PostgreSQL this row also
    carries the weighted `tsv` column (added by the migration, GIN-indexed) and a trigram
    index of the number; on SQLite the text lives in the FTS5 table `search_case_fts`,
    whose rowid is the case's."""

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    # Copied so that a search within one organisation narrows the index scan itself.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "search document"

    def __str__(self) -> str:
        return f"search document of case {self.case_id}"
