"""/campaign: marketing staff build a broadcast or an event invitation step by step, in a private chat.

The answers live in user_data["campaign_wizard"] (persisted); the question asked follows from them
(bot.core.campaigns.wizard.stage). Buttons are `cmpw:<action>[:<arg>]`, signed for the marketer. The preview is
the message exactly as customers will get it, in each locale, with its buttons; "confirm" creates the event (if
a new one was described) and the campaign in one transaction and posts the live progress message. A wizard's
button pressed after it ended (Confirm again, minutes later) is answered in staff words (`ended`), not with the
customers' "this button has expired" popup.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.core.campaigns import actions, delivery
from bot.core.campaigns import service as campaigns
from bot.core.campaigns import wizard as steps
from bot.core.campaigns.message import payload
from bot.core.common.callbacks import CallbackData
from bot.core.common.locale import LOCALES
from bot.core.events import actions as event_actions
from bot.core.events import service as events
from bot.core.events.view import EventView, view_in
from bot.handlers.common.context import CareContext, callback_data, double_tap
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow
from bot.handlers.desk.group import require_staff

FEATURE, KEY, ACTIVE = "cmpw", "campaign_wizard", "campaign_wizard"
CREATED = "campaign_wizard_created"  # user_data: the id of the campaign the marketer's last wizard created


def _answers(context: CareContext) -> steps.Answers:
    assert context.user_data is not None
    return dict(context.user_data.get(KEY) or {})


def _keep(context: CareContext, answers: steps.Answers | None) -> None:
    assert context.user_data is not None
    if answers is None:
        context.user_data.pop(KEY, None)
    else:
        context.user_data[KEY] = answers


def _button(context: CareContext, user_id: int, text: str, action: str, *args: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=context.services.callbacks.pack(user_id, FEATURE, action, *args))


def _example() -> dt.date:
    """The day the wizard's examples show: two weeks ahead, the invitation rule's distance."""
    return (_now() + dt.timedelta(days=14)).date()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _new_event_view(context: CareContext, a: steps.Answers) -> dict[str, EventView] | None:
    services = context.services
    if a.get("event_id"):
        async with services.sessions() as session:
            found = await events.get(session, int(a["event_id"]))
        return {loc: view_in(services, found, loc) for loc in LOCALES} if found else None
    draft = steps.event_draft(a, services.settings.event_invite_days)
    if draft is None:
        return None
    from bot.db.events.models import Event

    shown = Event(id=0, titles=dict(draft.titles), descriptions={}, branch=draft.branch, place=draft.place,
                  starts_at=draft.starts_at, ends_at=draft.ends_at, capacity=draft.capacity, going=0)  # fmt: skip
    return {loc: view_in(services, shown, loc) for loc in LOCALES}


async def ask(update: Update, context: CareContext, problem: str | None = None, reason: str | None = None) -> str:
    """Ask the question the answers lead to, after saying what was wrong with the last answer (`problem`, and
    the `reason` when known); returns the conversation state."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    a, locale, label = _answers(context), services.settings.default_locale, services.messages.label
    step, data, rows = steps.stage(a, locale), {}, []  # type: ignore[var-annotated]
    if problem:
        await chat.send_message(services.messages.render(locale, "campaign_wizard", step="problem", problem=problem,
                                                         reason=reason, example=_example()))  # fmt: skip
    if step == "kind":
        rows = [[_button(context, user.id, label(locale, "cmpw_broadcast"), "kind", "broadcast"),
                 _button(context, user.id, label(locale, "cmpw_event"), "kind", "event")]]  # fmt: skip
    elif step == "event":
        data = {"language": label(locale, f"cmpw_lang_{locale}")}  # the new event's first title: the dealer's
        upcoming = await event_actions.staff_upcoming(services, locale, _now())
        shown = [(e.id, f"#{e.id} {e.title} · {services.messages.day_time(locale, e.start)}") for e in upcoming]
        rows = [[_button(context, user.id, text, "ev", str(event_id))] for event_id, text in shown]
    elif step.startswith("title:"):  # the new event's title in another locale: typed, or the first one's
        target, first = step.split(":", 1)[1], steps.title_locale(a)
        data = {"language": label(locale, f"cmpw_lang_{target}"), "first": label(locale, f"cmpw_lang_{first}"),
                "title": a["new_event"]["titles"][first]}  # fmt: skip
        rows = [[_button(context, user.id, label(locale, "cmpw_title_same", language=data["first"]), "tsame", target)]]
        if len(steps.missing_titles(a)) > 1:
            rows.append([_button(context, user.id, label(locale, "cmpw_title_all_same"), "tall")])
        step = "title"
    elif step == "event_branch":
        rows = [[_button(context, user.id, b.name.get(locale), "evbr", b.id)] for b in services.dealer.branches]
    elif step == "audience":
        audience = a.get("audience") or {}
        count = await delivery.audience_count(services, steps.Audience.from_json(audience), _now())
        on = set(audience.get("makes") or []) | set(audience.get("branches") or [])
        on |= {code for code, (field, _) in steps.FILTERS.items() if audience.get(field)}

        def toggle(text: str, key: str, code: str) -> InlineKeyboardButton:
            shown = label(locale, "cmpw_on", name=text) if key in on else text
            return _button(context, user.id, shown, "f", *code.split(":"))

        brands = services.dealer.brands
        rows = [[toggle(b, b, f"mk:{i}") for i, b in enumerate(brands)],
                [toggle(b.name.get(locale), b.id, f"br:{b.id}") for b in services.dealer.branches],
                [toggle(label(locale, f"cmpw_f_{c}"), c, c) for c in ("nv", "lv")],
                [toggle(label(locale, f"cmpw_f_{c}"), c, c) for c in ("ins", "wty", "svc")],
                [_button(context, user.id, label(locale, "cmpw_next"), "next")]]  # fmt: skip
        names = {**{b.id: b.name.get(locale) for b in services.dealer.branches},
                 **{code: label(locale, f"cmpw_f_{code}") for code in steps.FILTERS}}  # fmt: skip
        data = {"count": count, "filters": sorted(names.get(key, key) for key in on)}  # what the buttons say
    elif step.startswith("text:"):
        target = step.split(":", 1)[1]
        data = {"language": label(locale, f"cmpw_lang_{target}"), "optional": target != locale}  # the dealer's
        if target != locale:
            rows = [[_button(context, user.id, label(locale, "cmpw_skip"), "skip")]]
        else:
            rows = [[_button(context, user.id, label(locale, "cmpw_ready"), "tpl")]]
        step = "text"
    elif step == "ready":
        rows = [[_button(context, user.id, label(locale, f"cmpw_ready_{name}"), "rdy", name)] for name in steps.READY]
    elif step == "button":
        rows = [[_button(context, user.id, label(locale, "cmpw_none"), "btn", "none"),
                 _button(context, user.id, label(locale, "cmp_book"), "btn", "book")]]  # fmt: skip
    elif step == "when":
        rows = [[_button(context, user.id, label(locale, "cmpw_now"), "now")]]
        if a.get("kind") == "event":  # the seed's rule: invitations two weeks ahead (EVENT_INVITE_DAYS)
            days = services.settings.event_invite_days
            rows[0].append(_button(context, user.id, label(locale, "cmpw_rule", days=days), "rule"))
    elif step == "confirm":  # nobody in the audience on the send day: no Confirm, a way to another audience
        data = await _preview(update, context, a)
        rows = _confirm_rows(context, user.id, empty=data["count"] == 0)
    if step not in ("confirm", "kind"):  # confirm has its own row (with back)
        rows.append([_button(context, user.id, label(locale, "step_back"), "back"),
                     _button(context, user.id, label(locale, "cmpw_cancel"), "x")])  # fmt: skip
    text = services.messages.render(locale, "campaign_wizard", step=step,
                                    **{"count": 0, "filters": [], "example": _example(), **data})  # fmt: skip
    await chat.send_message(text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)
    return ACTIVE


def _confirm_rows(context: CareContext, user_id: int, empty: bool = False) -> list[list[InlineKeyboardButton]]:
    label, locale = context.services.messages.label, context.services.settings.default_locale
    last = [_button(context, user_id, label(locale, "step_back"), "back"),
            _button(context, user_id, label(locale, "cmpw_cancel"), "x")]  # fmt: skip
    if empty:
        return [[_button(context, user_id, label(locale, "cmpw_audience"), "aud")], last]
    return [[_button(context, user_id, label(locale, "cmpw_test"), "test")],
            [_button(context, user_id, label(locale, "cmpw_ok"), "ok")], last]  # fmt: skip


def _markup(shown: dict[str, Any]) -> InlineKeyboardMarkup:
    rows = shown["reply_markup"]["inline_keyboard"]
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b.get("callback_data"), url=b.get("url")) for b in row]
         for row in rows]
    )  # fmt: skip


async def _preview(update: Update, context: CareContext, a: steps.Answers) -> dict[str, Any]:
    """Each locale's message as customers will see it; the count and the time it goes out."""
    services, chat, user = context.services, update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    draft, shown_events = steps.draft(a, 0, services.settings.default_locale), await _new_event_view(context, a)
    button = dict(draft.button) if draft.button else None
    for locale in LOCALES:
        shown = payload(services, locale, user.id, 0, dict(draft.texts), button,
                        shown_events.get(locale) if shown_events else None, preview=True)  # fmt: skip
        await chat.send_message(shown["text"], reply_markup=_markup(shown))
    now, settings = _now(), services.settings
    wanted = draft.send_at
    if wanted is None and shown_events:  # an invitation goes out event_invite_days ahead (the seed: two weeks)
        starts = dt.datetime.fromisoformat(next(iter(shown_events.values())).starts).replace(tzinfo=settings.tz)
        wanted = max(starts - dt.timedelta(days=settings.event_invite_days), now)
    at, shifted = campaigns.send_time(dataclasses.replace(draft, send_at=wanted), None, settings.quiet_hours, now,
                                      settings.event_invite_days)  # fmt: skip
    count = await delivery.audience_count(services, draft.audience, at)  # date filters read on the send day
    return {"count": count, "when": at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"), "shifted": shifted}


async def begin(update: Update, context: CareContext) -> object:
    """/campaign: marketing staff only, in private."""
    if await require_staff(update, context, "marketing") is None:
        return ConversationHandler.END
    _keep(context, {"started": _now().isoformat()})
    return await ask(update, context)


async def _confirm(update: Update, context: CareContext, a: steps.Answers) -> object:
    services, user, chat = context.services, update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    now, settings = _now(), services.settings
    try:
        async with services.sessions.begin() as session:
            event_id = None
            new = steps.event_draft(a, settings.event_invite_days)
            if new is not None:
                event_id = (await events.create(session, new, [b.id for b in services.dealer.branches], user.id,
                                                now)).id  # fmt: skip
            campaign = await campaigns.create(session, steps.draft(a, event_id, settings.default_locale),
                                              settings.quiet_hours, now, settings.event_invite_days, user.id,
                                              default_locale=settings.default_locale)  # fmt: skip
            await delivery.require_audience(services, session, campaigns.audience_of(campaign), campaign.send_at)
            campaign_id = campaign.id
    except campaigns.CampaignError as exc:
        if exc.field == "audience":  # emptied since the preview: it shows again, saying so, with no Confirm
            return await ask(update, context)
        _keep(context, {k: v for k, v in a.items() if k not in ("new_event", "send_at")})
        return await ask(update, context, str(exc))
    except events.EventError as exc:
        _keep(context, {k: v for k, v in a.items() if k not in ("new_event", "send_at")})
        return await ask(update, context, str(exc))
    _keep(context, None)
    assert context.user_data is not None
    context.user_data[CREATED] = campaign_id
    locale = settings.default_locale
    await chat.send_message(services.messages.render(locale, "campaign_wizard", step="created", id=campaign_id))
    figures = await actions.current(services, campaign_id)
    assert figures is not None
    progress = services.messages.render(locale, "campaign_progress", p=figures, final=False, eta=None,
                                        at=figures.send_at.astimezone(settings.tz))  # fmt: skip
    sent = await chat.send_message(progress)
    await actions.watch(services, campaign_id, sent.chat_id, sent.message_id, now)
    return ConversationHandler.END


async def chosen(update: Update, context: CareContext) -> object:
    """A wizard button."""
    data, query = callback_data(update, context), update.callback_query
    assert query is not None
    a = _answers(context)
    if data is None or data.feature != FEATURE or (not a and data.action != "x"):
        await query.answer(await _ended_text(context, data), show_alert=True)
        return ACTIVE if a else ConversationHandler.END
    await query.answer()
    action, arg, services = data.action, data.arg, context.services
    if action == "x":
        _keep(context, None)
        await query.message.reply_text(services.messages.render(  # type: ignore[union-attr]
            services.settings.default_locale, "campaign_wizard", step="cancelled"))
        return ConversationHandler.END
    if action == "kind" and arg in ("broadcast", "event"):
        a = {"started": a.get("started"), "kind": arg}
    elif action == "ev" and arg.isdigit():
        a["event_id"] = int(arg)
    elif action == "tsame":
        a = steps.set_title(a, arg, None)
    elif action == "tall":
        a = steps.same_titles(a)
    elif action == "evbr" and "new_event" in a:
        a["new_event"] = {**a["new_event"], "branch": arg}
    elif action == "f":
        a = steps.toggle(a, ":".join(data.args), services.dealer.brands)
    elif action == "next":
        a["audience_done"] = True
    elif action == "aud":  # from a preview nobody would receive: the audience again, the rest kept
        a["audience_done"] = False
    elif action == "tpl":
        a["picking"] = True
    elif action == "rdy":
        a = steps.use_ready(a, services.messages, arg)
    elif action == "skip":
        a["skipped"] = [*a.get("skipped", []), steps.stage(a, services.settings.default_locale).split(":", 1)[-1]]
    elif action == "btn":
        a["button"] = arg
    elif action == "now":
        a["send_at"] = _now().isoformat()
    elif action == "rule":
        a["send_at"] = "rule"
    elif action == "back":
        a = steps.back(a, services.settings.default_locale)
    elif action == "test":
        user = query.from_user
        locale = services.settings.default_locale
        draft = steps.draft(a, 0, locale)
        shown_events = await _new_event_view(context, a)
        shown = payload(services, locale, user.id, 0, dict(draft.texts), dict(draft.button) if draft.button else None,
                        shown_events.get(locale) if shown_events else None, preview=True)  # fmt: skip
        await query.message.reply_text(shown["text"], reply_markup=_markup(shown))  # type: ignore[union-attr]
        await query.message.reply_text(services.messages.render(  # type: ignore[union-attr]
            services.settings.default_locale, "campaign_wizard", step="test_sent"),
            reply_markup=InlineKeyboardMarkup(_confirm_rows(context, user.id)))  # the latest buttons: confirm here
        return ACTIVE
    elif action == "ok" and steps.stage(a, services.settings.default_locale) == "confirm":
        return await _confirm(update, context, a)
    _keep(context, a)
    return await ask(update, context)


async def ended(update: Update, context: CareContext) -> None:
    """A wizard button after the wizard ended: the campaign it created when it is Confirm again, else that the
    wizard is over; a double tap is answered silently (the first press did the work)."""
    query = update.callback_query
    assert query is not None
    if double_tap(update, context):
        await query.answer()
        return
    await query.answer(await _ended_text(context, callback_data(update, context)), show_alert=True)


async def _ended_text(context: CareContext, data: CallbackData | None) -> str:
    services, locale = context.services, context.services.settings.default_locale
    created = (context.user_data or {}).get(CREATED)
    if data is not None and data.action == "ok" and created is not None:
        figures = await actions.current(services, int(created))
        if figures is not None:
            status = services.messages.label(locale, f"cmpw_status_{figures.status}")
            return services.messages.label(locale, "cmpw_created", id=figures.id, status=status)
    return services.messages.label(locale, "cmpw_expired")


async def typed(update: Update, context: CareContext) -> object:
    """A typed answer: a new event's line or its title in another locale, a message text, or a date and time."""
    a, message, settings = _answers(context), update.effective_message, context.services.settings
    assert message is not None and message.text is not None
    step = steps.stage(a, settings.default_locale)
    new = None
    if step == "event" or step.startswith("title:"):  # a new event's line, at either step
        today = _now().astimezone(settings.tz).date()
        try:
            new = steps.parse_new_event(message.text, settings.tz, settings.default_locale, today)
        except steps.EventLineError as exc:
            return await ask(update, context, message.text, exc.reason)
    if step == "event":
        if new is None:
            return await ask(update, context, message.text, "shape")
        a["new_event"] = new
    elif step.startswith("title:"):  # the title in that locale, unless the whole event is described again
        a = {**a, "new_event": new} if new else steps.set_title(a, step.split(":", 1)[1], message.text)
    elif step.startswith("text:"):
        a["texts"] = {**a.get("texts", {}), step.split(":", 1)[1]: message.text.strip()}
    elif step == "ready":  # typed instead of picking a template: the first locale's text, as before
        a = {k: v for k, v in a.items() if k != "picking"}
        a["texts"] = {**a.get("texts", {}), settings.default_locale: message.text.strip()}
    elif step == "when":
        when = steps.parse_when(message.text, settings.tz, _now())
        if when is None:
            return await ask(update, context, message.text, "when")
        problem = steps.when_problem(when, a, _now())
        if problem is not None:
            return await ask(update, context, message.text, problem)
        a["send_at"] = when.isoformat()
    else:
        return await ask(update, context, message.text)
    _keep(context, a)
    return await ask(update, context)


async def cancel(update: Update, context: CareContext) -> object:
    _keep(context, None)
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.services.messages.render(
        context.services.settings.default_locale, "campaign_wizard", step="cancelled"))  # fmt: skip
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [flow(
        "campaign_wizard",
        entry_points=[CommandHandler("campaign", begin, filters=PRIVATE)],
        states={ACTIVE: [CallbackQueryHandler(chosen, pattern=rf"^{FEATURE}:"), MessageHandler(TYPED_ANSWER, typed)]},
        fallbacks=[CommandHandler("cancel", cancel, filters=PRIVATE)],
    ), CallbackQueryHandler(ended, pattern=rf"^{FEATURE}:")]  # fmt: skip
