"""The SQL twin of node.domain.policies.may_see, for queries that list posts.

`visible_to(viewer_param)` returns a condition on a `posts p` row for the local account whose
id is bound at `$viewer_param` (NULL for an anonymous visitor). It must give the same answers
as `may_see` for local viewers; tests/flows/test_visibility_matrix.py checks every case.
"""

from __future__ import annotations


def visible_to(viewer: str) -> str:
    return f"""(
        p.author_account IS NOT DISTINCT FROM {viewer}::bigint AND {viewer}::bigint IS NOT NULL
        OR (
            NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = p.author_account
                        AND b.blocked_account = {viewer}::bigint)
            AND (NOT p.local_only OR {viewer}::bigint IS NOT NULL)
            AND (
                p.visibility IN ('public', 'unlisted')
                OR (p.visibility = 'followers' AND EXISTS (
                    SELECT 1 FROM follows f WHERE f.follower_account = {viewer}::bigint
                      AND f.state = 'accepted'
                      AND (f.followee_account = p.author_account
                           OR f.followee_remote = p.author_remote)))
                OR (p.visibility = 'group' AND EXISTS (
                    SELECT 1 FROM follows f WHERE f.follower_account = {viewer}::bigint
                      AND f.state = 'accepted'
                      AND (f.followee_account = p.group_account
                           OR f.followee_remote = p.group_remote)))
                OR (p.visibility IN ('followers', 'direct') AND EXISTS (
                    SELECT 1 FROM post_mentions m WHERE m.post_id = p.id
                      AND m.account_id = {viewer}::bigint))
            )
        )
    )"""


def not_muted_by(viewer: str) -> str:
    """Hide authors the viewer has blocked from the viewer's own lists."""
    return f"""NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = {viewer}::bigint
        AND (b.blocked_account = p.author_account OR b.blocked_remote = p.author_remote))"""
