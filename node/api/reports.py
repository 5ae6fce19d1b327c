"""Reports: a person files one (`POST /api/v1/reports`); this node's admins and moderators read
them (`GET /api/v1/admin/reports`, Mastodon's admin API, with an `admin:read:reports` token)."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.blocks_mutes import sides
from node.api.errors import forbidden, not_found
from node.api.ids import parse_account_id, parse_row_id
from node.api.pagination import link_header, page_request
from node.api.params import Params
from node.api.present import Presenter, find_person
from node.api.safety_entities import admin_report_to_api, report_to_api
from node.api.serializers import JSON
from node.services.moderation import reports
from node.services.moderation.reports import Report
from node.services.posts import timelines

routes = web.RouteTableDef()


@routes.post("/api/v1/reports")
@routes.post("/api/v1/reports/")  # Mastodon.py posts with the slash
async def file_report(request: web.Request) -> web.Response:
    """`account_id` (required), `status_ids[]` (theirs, and ones you may see), `comment`,
    `category` (spam, legal, violation, other), `forward` (someone elsewhere: tell their
    server too). `rule_ids[]` is accepted and ignored: this node has no rules list yet."""
    account = auth.user(request, "write:reports")
    ctx = request.app[keys.NODE]
    params = await Params.read(request)
    person = await find_person(ctx, parse_account_id(params.text("account_id", 40)))
    post_ids = []
    for text in params.texts("status_ids", max_items=reports.MAX_POSTS, max_length=40):
        post_id = parse_row_id(text)
        if post_id is None:
            raise not_found()
        post_ids.append(post_id)
    local, remote = sides(person)
    report = await reports.file_report(
        ctx, account, local=local, remote=remote, post_ids=post_ids,
        comment=params.text("comment", reports.MAX_COMMENT + 1) or "",
        category=params.text("category", 40), forward=bool(params.flag("forward")),
    )  # fmt: skip
    target = await Presenter(ctx, account).account(person)
    return responses.json(report_to_api(report, target))


@routes.get("/api/v1/admin/reports")
async def admin_reports(request: web.Request) -> web.Response:
    """Open reports, newest first (`resolved=true`: all of them); 403 for anyone but this
    node's admins and moderators, as Mastodon answers without the permission."""
    account = auth.user(request, "admin:read:reports")
    if not reports.may_moderate(account):
        raise forbidden("This action is not allowed")
    ctx = request.app[keys.NODE]
    page = page_request(request, default=40, maximum=reports.PAGE)
    found = await reports.list_reports(
        ctx, account, max_id=page.max_id,
        open_only=not Params({}, request.query).flag("resolved"),
    )  # fmt: skip
    presenter = Presenter(ctx, account)
    shown = [await _admin_report(presenter, report) for report in found[: page.limit]]
    links = link_header(request, [r.id for r in found[: page.limit]])
    return responses.json([entity for entity in shown if entity is not None], headers=links)


async def _admin_report(presenter: Presenter, report: Report) -> JSON | None:
    """A report as an Admin::Report, or None when the reporter or the target is gone."""
    reporter = await presenter.local_account(report.reporter)
    if report.target_account is not None:
        target = await presenter.local_account(report.target_account)
    else:
        target = await presenter.remote_account(report.target_remote or 0)
    if reporter is None or target is None:
        return None
    posts = await timelines.visible_posts(
        presenter.ctx, presenter.viewer, [p.post_id for p in report.posts]
    )
    return admin_report_to_api(report, reporter, target, await presenter.statuses(posts))
