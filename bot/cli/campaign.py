"""`python -m bot campaign create --from FILE.yaml [--dry-run] | list | show ID | cancel ID` (docs/marketing.md).

`create` checks the whole file first (a mistake is printed with its field and line, exit 2) and stores the event
and the campaign in one transaction; an audience nobody is in on the send day is refused the same way (exit 2,
with or without `--dry-run`). `--dry-run` stores nothing and prints the audience count and the message as each
locale's customers will read it. The running bot (or `python -m bot chat`) delivers it when due.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from bot.core.campaigns import delivery, repo
from bot.core.campaigns import service as campaigns
from bot.core.campaigns.files import FileError, parse
from bot.core.campaigns.message import payload
from bot.core.common.locale import LOCALES
from bot.core.common.settings import Settings
from bot.core.events import service as events
from bot.core.events.view import view_in
from bot.core.services import Services, build_services

SAMPLE_USER = 1  # the preview's buttons are signed for nobody in particular


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _sample(services: Services, file: Any, event_view: Any) -> str:
    out = []
    for locale in LOCALES:
        shown = payload(services, locale, SAMPLE_USER, 0, dict(file.draft.texts), file.draft.button or (
            {"kind": "rsvp"} if file.draft.kind == "event" else None), event_view.get(locale) if event_view else None)
        buttons = " ".join(f"[{b['text']}]" for row in shown["reply_markup"]["inline_keyboard"] for b in row)
        out.append(f"--- {locale} ---\n{_plain(shown['text'])}\n{buttons}")
    return "\n".join(out)


async def create(settings: Settings, path: Path, dry_run: bool) -> int:
    services = build_services(settings)
    try:
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8")
            file = parse(text, settings.tz, settings.event_invite_days, services.messages, settings.default_locale)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        except FileError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        now = dt.datetime.now(dt.UTC)
        branches = [b.id for b in services.dealer.branches]
        try:
            async with services.sessions.begin() as session:
                draft = file.draft
                event_views = None
                if file.event is not None:
                    event = await events.create(session, file.event, branches, None, now)
                    draft = dataclasses.replace(draft, event_id=event.id)
                    event_views = {loc: view_in(services, event, loc) for loc in LOCALES}
                elif draft.event_id:
                    found = await events.get(session, draft.event_id)
                    if found is not None:
                        event_views = {loc: view_in(services, found, loc) for loc in LOCALES}
                campaign = await campaigns.create(session, draft, settings.quiet_hours, now,
                                                  settings.event_invite_days,
                                                  default_locale=settings.default_locale)  # fmt: skip
                count = await delivery.require_audience(services, session, draft.audience, campaign.send_at)
                summary = {"id": campaign.id, "event_id": campaign.event_id, "audience": count,
                           "send_at": campaign.send_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
                           "moved_out_of_quiet_hours": campaign.quiet_shifted}  # fmt: skip
                if dry_run:
                    await session.rollback()
        except (events.EventError, campaigns.CampaignError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        if dry_run:
            summary["id"] = None
            print(f"dry run: nothing stored. {count} recipient(s) on the send day; it would go out at "
                  f"{summary['send_at']}"
                  f"{' (moved out of quiet hours)' if summary['moved_out_of_quiet_hours'] else ''}")  # fmt: skip
            print(_sample(services, file, event_views))
        else:
            print(json.dumps(summary, ensure_ascii=False))
        return 0
    finally:
        await services.engine.dispose()


def _row(figures: campaigns.Progress, tz: Any) -> dict[str, Any]:
    return {"id": figures.id, "name": figures.name, "kind": figures.kind, "status": figures.status,
            "send_at": figures.send_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "audience": figures.audience,
            "sent": figures.sent, "failed": figures.failed, "blocked": figures.blocked, "dropped": figures.dropped,
            "capped": figures.capped, "pending": figures.pending, "remaining": figures.remaining}  # fmt: skip


async def listing(settings: Settings, campaign_id: int | None = None, action: str | None = None) -> int:
    services = build_services(settings)
    try:
        if action is not None and campaign_id is not None:
            try:
                async with services.sessions.begin() as session:
                    await campaigns.change(session, campaign_id, action, dt.datetime.now(dt.UTC))
            except campaigns.CampaignError as exc:
                print(str(exc), file=sys.stderr)
                return 1
        async with services.sessions() as session:
            if campaign_id is None:
                for campaign in await repo.listed(session, 50):
                    row = _row(await campaigns.progress(session, campaign), settings.tz)
                    print(json.dumps(row, ensure_ascii=False))
                return 0
            found = await repo.get(session, campaign_id)
            if found is None:
                print(f"no campaign #{campaign_id}", file=sys.stderr)
                return 1
            row = _row(await campaigns.progress(session, found), settings.tz)
            row.update(audience_filters=found.audience, texts=found.texts, button=found.button,
                       event_id=found.event_id)  # fmt: skip
            print(json.dumps(row, ensure_ascii=False, indent=None if action else 2))
            return 0
    finally:
        await services.engine.dispose()


def main(settings: Settings, args: Any) -> int:
    if args.campaign_command == "create":
        return asyncio.run(create(settings, args.source, args.dry_run))
    if args.campaign_command == "list":
        return asyncio.run(listing(settings))
    action = {"show": None, "cancel": "cancel", "pause": "pause", "resume": "resume"}[args.campaign_command]
    return asyncio.run(listing(settings, args.id, action))
