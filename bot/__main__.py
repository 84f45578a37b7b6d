"""`python -m bot …`: run, chat, setup, migrate, ask, kb check|build|learn|misses, warranty, outbox, import, sweep,
campaign create|list|show|cancel|pause|resume, stats, db backup."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.core.common.config_files import ConfigError
from bot.core.common.locale import LOCALES, Locale
from bot.core.common.settings import ROOT, Settings
from bot.core.common.text import detect_script

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="CareBot, the after-sales assistant")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run on Telegram (polling or webhook); a terminal chat without a token")
    chat = commands.add_parser("chat", help="talk to the real handlers in this terminal, no network")
    chat.add_argument("--lang", help="Telegram language_code of the simulated customer, e.g. zh-hant, en")
    chat.add_argument("--name", default=None, help="the customer's first name")
    chat.add_argument("-v", "--verbose", action="store_true", help="show the log here instead of data/chat.log")
    commands.add_parser("setup", help="migrate the database and seed the demo data when it is empty")
    commands.add_parser("migrate", help="apply database migrations")
    ask = commands.add_parser("ask", help="ask the FAQ engine")
    ask.add_argument("--lang", choices=LOCALES, help="reply locale (default: the question's script)")
    ask.add_argument("--json", action="store_true", help="one JSON object a line")
    ask.add_argument("question", nargs="+", help="the question, or - to read one question a line from stdin")
    kb = commands.add_parser("kb", help="knowledge base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_commands.add_parser("check", help="validate knowledge/faq.yaml")
    kb_commands.add_parser("build", help="fit the FAQ matcher now; print its thresholds and cross-validated figures")
    learn = kb_commands.add_parser("learn", help="review the questions customers confirmed; add accepted ones")
    learn.add_argument("--accept", nargs="+", default=[], metavar="ID[=ENTRY]", help="append these to faq.yaml")
    learn.add_argument("--reject", nargs="+", type=int, default=[], metavar="ID", help="never list these again")
    misses = kb_commands.add_parser("misses", help="the most frequent questions the bot could not answer")
    misses.add_argument("--limit", type=int, default=20)
    box = commands.add_parser("outbox", help="the outbox of scheduled messages")
    box_commands = box.add_subparsers(dest="outbox_command", required=True)
    box_commands.add_parser("status", help="messages per status, as JSON")
    box_send = box_commands.add_parser("send", help="run the sender by hand (one tick, or --until-empty)")
    box_send.add_argument("--until-empty", action="store_true", help="tick until nothing is pending or in flight")
    box_send.add_argument("--max-seconds", type=float, default=300.0, help="give up --until-empty after this")
    sweep = commands.add_parser("sweep", help="the reminder sweep: enqueue what falls due (--dry-run: print only)")
    sweep.add_argument("--dry-run", action="store_true", help="print what would be sent and why, enqueue nothing")
    sweep.add_argument("--today", help="sweep as on this day, YYYY-MM-DD (default: today in the dealer's zone)")
    sweep.add_argument("--recompute", action="store_true", help="recompute every car's due dates first")
    database = commands.add_parser("db", help="database operations")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    db_backup = db_commands.add_parser("backup", help="copy the SQLite database to FILE while the bot runs")
    db_backup.add_argument("file", type=Path, help="the new file to write (never overwritten)")
    commands.add_parser("warranty", help="apply the Three Guarantees (三包) rules to one case: "
                                         "warranty --json - (JSON on stdin)")  # fmt: skip
    records = commands.add_parser("import", help="import the dealer system's CSV export (docs/import.md)")
    records.add_argument("kind", choices=["customers", "vehicles", "visits"])
    records.add_argument("file", type=Path, help="the CSV file, UTF-8 (with or without BOM)")
    records.add_argument("--dry-run", action="store_true", help="check and count everything, write nothing")
    records.add_argument("--encoding", help="read a non-UTF-8 export, e.g. gbk or big5")
    campaign = commands.add_parser("campaign", help="campaigns: create --from FILE.yaml, list, show, cancel")
    campaign_commands = campaign.add_subparsers(dest="campaign_command", required=True)
    create = campaign_commands.add_parser("create", help="create from a YAML file (docs/marketing.md)")
    create.add_argument("--from", dest="source", type=Path, required=True, help="the campaign's YAML file")
    create.add_argument("--dry-run", action="store_true", help="print the count and a sample per locale, store nothing")
    campaign_commands.add_parser("list", help="every campaign with status and figures, one JSON object a line")
    for name in ("show", "cancel", "pause", "resume"):
        campaign_commands.add_parser(name, help=f"{name} one campaign").add_argument("id", type=int)
    stats = commands.add_parser("stats", help="the KPIs with their formulas (FACTS.md §5)")
    stats.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 30 days before --to)")
    stats.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: yesterday, dealer time)")
    stats.add_argument("--branch", help="a branch id: narrows the appointment figures")
    stats.add_argument("--csv", type=Path, help="also write the figures as CSV")
    stats.add_argument("--chart", type=Path, help="also draw the weekly trends as PNG")
    stats.add_argument("--lang", choices=LOCALES, default=None, help="the labels' locale (default: the dealer's)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["warranty"]:  # its own options (--json) are parsed by bot.cli.warranty
        from bot.cli.warranty import main as warranty_main

        return warranty_main(argv[1:], sys.stdin, sys.stdout, sys.stderr)
    args = _parser().parse_args(argv)
    from bot.cli.logging_setup import configure

    try:
        settings = Settings()
    except ValidationError as exc:  # a bad environment variable: one line naming it, never its value
        from bot.cli.startup import describe_settings_error

        print(f"configuration error: {describe_settings_error(exc)}", file=sys.stderr)
        return 2
    try:
        secrets = [s.get_secret_value() for s in (settings.telegram_token, settings.webhook_secret) if s]
        configure(settings.log_level if args.command == "run" else "WARNING", secrets,
                  json_lines=settings.log_format == "json")
        return _dispatch(args, settings)
    except ConfigError as exc:
        print(f"configuration error:\n{exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "ask":
        return _ask(args, settings)
    if args.command == "kb":
        if args.kb_command in {"build", "learn"}:
            from bot.cli import faq as faq_cli

            if args.kb_command == "build":
                return faq_cli.build(settings)
            return faq_cli.run_learn(settings, args.accept, args.reject)
        return _kb_check(settings) if args.kb_command == "check" else asyncio.run(_kb_misses(settings, args.limit))
    if args.command in {"setup", "migrate"}:
        return _setup(settings, seed=args.command == "setup")
    if args.command == "outbox":
        from bot.cli import outbox as outbox_cli

        if args.outbox_command == "status":
            return asyncio.run(outbox_cli.status(settings))
        return asyncio.run(outbox_cli.send(settings, args.until_empty, args.max_seconds))
    if args.command in {"sweep", "campaign"}:  # they sign buttons: with the deployment's key
        from bot.core.common.deployment_secrets import with_callback_secret

        settings = with_callback_secret(settings)
    if args.command == "sweep":
        from bot.cli import reminders as reminder_cli

        return reminder_cli.main(settings, args.dry_run, args.today, args.recompute)
    if args.command == "campaign":
        from bot.cli import campaign as campaign_cli

        return campaign_cli.main(settings, args)
    if args.command == "stats":
        from bot.cli import stats as stats_cli

        return stats_cli.main(settings, args)
    if args.command == "db":
        from bot.cli.backup import backup

        return backup(settings, args.file)
    if args.command == "chat":
        return _chat(settings, args.lang, args.name, args.verbose)
    if args.command == "import":
        from bot.cli.imports import run_import

        return run_import(settings, args.kind, args.file, args.dry_run, args.encoding)
    return _run(settings)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.faq.service import FaqService
    from bot.core.services import load_knowledge

    _dealer, kb, matcher = load_knowledge(settings)
    service = FaqService(kb, matcher, sessions=None)  # type: ignore[arg-type]  # ask never records
    questions = [line.strip() for line in sys.stdin] if args.question == ["-"] else [" ".join(args.question)]
    for question in filter(None, questions):
        locale: Locale = args.lang or detect_script(question) or settings.default_locale
        reply = service.ask(question, locale)
        answer = kb.rendered[reply.entry_id].plain_answer(locale) if reply.decision == "answer" else None
        if args.json:
            print(
                json.dumps(
                    {
                        "question": question,
                        "lang": locale,
                        "decision": reply.decision,
                        "entry_id": reply.entry_id,
                        "score": reply.score,
                        "answer": answer,
                        "suggestions": [
                            {"entry_id": c.entry_id, "question": c.title, "score": c.score} for c in reply.suggestions
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(f"[{reply.decision} {reply.entry_id or '-'} {reply.score}] {question}")
            if answer:
                print(answer)
            for number, choice in enumerate(reply.suggestions, start=1):
                print(f"  {number}. {choice.title}  ({choice.entry_id}, {choice.score})")
            print()
    return 0


def _kb_check(settings: Settings) -> int:
    from bot.core.faq.check import check_knowledge_base
    from bot.core.services import load_knowledge

    _dealer, kb, matcher = load_knowledge(settings)
    report = check_knowledge_base(kb, matcher)
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    status = "OK" if report.ok else f"{len(report.errors)} error(s)"
    print(f"{kb.source}: {len(kb)} entries, {report.questions} questions, {len(report.warnings)} warning(s): {status}")
    return 0 if report.ok else 1


async def _kb_misses(settings: Settings, limit: int) -> int:
    from bot.core.faq import repo as faq_repo
    from bot.db.engine import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await faq_repo.top_faq_misses(session, limit)
    finally:
        await engine.dispose()
    if not rows:
        print("no misses recorded yet")
    for row in rows:
        print(
            f"{row.count:5d}  {row.decision:8s} {row.lang:7s} best={row.best_entry or '-':28s} "
            f"score={row.score:5.1f}  {row.question}"
        )
    return 0


def _setup(settings: Settings, seed: bool) -> int:
    from bot.db.common.migrate import upgrade

    upgrade(settings.database_url)
    if seed:
        from bot.core.services import load_knowledge

        _dealer, kb, _matcher = load_knowledge(settings)  # fail early, with a clear message, on bad knowledge
        print(f"database ready; knowledge base: {len(kb)} entries")
        if settings.demo_data:
            from bot.cli.imports import seed_demo

            seed_demo(settings)  # only into a database without customers
    return 0


def _chat(settings: Settings, lang: str | None, name: str | None, verbose: bool = False) -> int:
    from bot.app import build_application
    from bot.cli.chat import DEMO_NAME, TerminalBotApi, chat_settings, run_terminal_chat
    from bot.cli.chat_jobs import ChatJobs
    from bot.cli.logging_setup import configure
    from bot.db.common.migrate import upgrade

    log_file = None if verbose else ROOT / "data" / "chat.log"
    secrets = [s.get_secret_value() for s in (settings.telegram_token, settings.webhook_secret) if s]
    configure(settings.log_level if verbose else "INFO", secrets, file=log_file)  # the chat shows only the chat
    upgrade(settings.database_url)  # the chat keeps flow state in its local database: bring it up to date first
    settings = chat_settings(settings)
    api = TerminalBotApi(chat_id=1_000_001, ansi=sys.stdout.isatty(), group_id=settings.advisor_group_id)
    application = build_application(settings, request=api)
    first_name = name or os.environ.get("CAREBOT_CHAT_NAME") or DEMO_NAME
    print("CareBot terminal chat — type a message, a button's number to press it, :help for more, /quit to leave.")
    if log_file is not None:
        print(f"(the bot's log goes to {log_file}; -v shows it here)")
    jobs = ChatJobs(api) if settings.scheduler_enabled else None
    asyncio.run(run_terminal_chat(application, api, first_name, lang, jobs))
    return 0


def _run(settings: Settings) -> int:
    from bot.app import build_application

    if settings.telegram_token is None:
        print(
            "No TELEGRAM_TOKEN is set, so CareBot runs as a terminal chat.\n"
            "To run on Telegram: get a token from @BotFather, put TELEGRAM_TOKEN=... in .env, run again.\n"
        )
        return _chat(settings, None, None)
    from telegram.error import InvalidToken, NetworkError

    from bot.cli.startup import StartupError, callback_secret, prepare

    try:
        prepare(settings)  # the knowledge files and the schema, before the first update
        settings = callback_secret(settings)
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.cli import replica

    application = build_application(settings)
    updates = ["message", "edited_message", "callback_query", "my_chat_member"]
    updater = replica.confirm_after_handling(application)  # polling or webhook: confirmed once handled
    replica.on_stop(application, updater)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # PTB's run_polling/run_webhook go on in this loop, which the lock lives on
    try:
        loop.run_until_complete(replica.become_active(application))  # at once on SQLite; on PostgreSQL, the lock
    except KeyboardInterrupt:
        return 0
    try:
        if settings.webhook_url:
            secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            if not secret:
                raise ConfigError("WEBHOOK_SECRET must be set with WEBHOOK_URL: Telegram signs each update with it")
            application.run_webhook(
                listen=settings.webhook_listen, port=settings.webhook_port, url_path="telegram",
                webhook_url=settings.webhook_url, secret_token=secret, allowed_updates=updates,
            )
        else:
            application.run_polling(allowed_updates=updates)
    except InvalidToken:
        print("Telegram refused the token: check TELEGRAM_TOKEN (from @BotFather).", file=sys.stderr)
        return 2
    except NetworkError as exc:
        where = settings.telegram_base_url or "api.telegram.org"
        print(f"Cannot reach the Bot API at {where}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
