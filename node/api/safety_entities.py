"""Blocks', mutes', reports', lists', filters' and conversations' objects as Mastodon 4.3 API
entities (List, Filter, FilterKeyword, FilterResult, Report, Conversation). Pure, like
node.api.serializers: everything they show is passed in.
"""

from __future__ import annotations

from node.api.responses import timestamp
from node.api.serializers import JSON
from node.services.moderation.reports import Report
from node.services.social.filters import Filter, FilterMatch
from node.services.social.lists import PersonList


def list_to_api(found: PersonList) -> JSON:
    return {
        "id": str(found.id),
        "title": found.title,
        "replies_policy": found.replies_policy,
        "exclusive": found.exclusive,
    }


def filter_to_api(found: Filter) -> JSON:
    return {
        "id": str(found.id),
        "title": found.title,
        "context": list(found.contexts),
        "expires_at": timestamp(found.expires_at),
        "filter_action": found.action,
        "keywords": [
            {"id": str(k.id), "keyword": k.keyword, "whole_word": k.whole_word}
            for k in found.keywords
        ],
        "statuses": [],
    }


def filter_result_to_api(match: FilterMatch) -> JSON:
    return {
        "filter": filter_to_api(match.filter),
        "keyword_matches": list(match.keywords),
        "status_matches": None,
    }


def _report_fields(report: Report) -> JSON:
    """What the Report entity and the admin's report share."""
    return {
        "id": str(report.id),
        "action_taken": report.resolved_at is not None,
        "action_taken_at": timestamp(report.resolved_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": timestamp(report.created_at),
    }


def report_to_api(report: Report, target_account: JSON) -> JSON:
    return _report_fields(report) | {
        "status_ids": [str(p.post_id) for p in report.posts] or None,
        "rule_ids": None,
        "target_account": target_account,
    }


def admin_report_to_api(report: Report, reporter: JSON, target: JSON, statuses: list[JSON]) -> JSON:
    """Mastodon's Admin::Report, with the accounts as plain Accounts (a subset of
    Admin::Account), the reported posts the moderator may see as `statuses`, and every
    reported post as it was when reported in `reported_posts` (ours: the evidence stays
    when the author deletes the post)."""
    return _report_fields(report) | {
        "updated_at": timestamp(report.created_at),
        "account": {"id": reporter["id"], "username": reporter["username"], "account": reporter},
        "target_account": {"id": target["id"], "username": target["username"], "account": target},
        "assigned_account": None,
        "action_taken_by_account": None,
        "statuses": statuses,
        "rules": [],
        "reported_posts": [
            {"id": str(p.post_id), "uri": p.uri, "content": p.content_html} for p in report.posts
        ],
    }


def conversation_to_api(
    conversation_id: int, unread: bool, accounts: list[JSON], last_status: JSON | None
) -> JSON:
    return {
        "id": str(conversation_id),
        "unread": unread,
        "accounts": accounts,
        "last_status": last_status,
    }
