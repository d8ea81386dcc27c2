"""Categories are data edited in the admin; articles are written in the console (their
revisions, files and feedback need the actions), so the admin shows them read-only."""

from __future__ import annotations

from django.contrib import admin

from casedesk.core.readonly_admin import ReadOnlyAdmin
from casedesk.solutions.models import Article, Category, Feedback, Guide, Miss, Removal


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ["title", "category", "audience", "publish_at", "views", "deflections"]
    list_filter = ["category", "audience"]
    search_fields = ["title"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["article", "helpful", "comment", "at"]


@admin.register(Miss)
class MissAdmin(ReadOnlyAdmin):
    list_display = ["text", "count", "last_at"]


@admin.register(Guide)
class GuideAdmin(ReadOnlyAdmin):
    list_display = ["change_type", "article"]


@admin.register(Removal)
class RemovalAdmin(ReadOnlyAdmin):
    list_display = ["title", "slug", "reason", "by", "at"]
    search_fields = ["title", "slug"]
