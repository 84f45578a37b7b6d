"""The services one bot process uses, built once from settings and reached through the context."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.common.callbacks import OFFLINE_SECRET, CallbackCodec
from bot.core.common.customers import SeenTimes
from bot.core.common.dealer import Dealer, template_vars
from bot.core.common.locale import LOCALES
from bot.core.common.messages import Messages
from bot.core.common.settings import ROOT, Settings
from bot.core.faq.knowledge_base import KnowledgeBase
from bot.core.faq.learned import Matcher
from bot.core.faq.matcher import MatchingConfig
from bot.core.faq.service import FaqService
from bot.core.warranty.rules import WarrantyRules
from bot.db.engine import create_engine, session_factory


@dataclass
class Services:
    """Settings, knowledge and the database, built once per process (STYLE.md, habit 6)."""

    settings: Settings
    dealer: Dealer
    kb: KnowledgeBase
    matcher: Matcher
    faq: FaqService
    messages: Messages
    callbacks: CallbackCodec
    warranty: WarrantyRules
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    seen: SeenTimes  # customers' last-seen times, written in batches (bot.core.common.customers)


def load_knowledge(settings: Settings, refit: bool = False) -> tuple[Dealer, KnowledgeBase, Matcher]:
    """Validate and load knowledge/*.yaml and fit (or load) the matcher; raises ConfigError naming the file."""
    dealer = Dealer.load(settings.knowledge_dir / "dealer.yaml")
    kb = KnowledgeBase.load(settings.knowledge_dir / "faq.yaml", dealer)
    # The fitted model is cached under data/ (keyed by the knowledge base's content): a restart does not refit.
    config = MatchingConfig.load(settings.knowledge_dir / "matching.yaml")
    matcher = Matcher(kb, config, ROOT / "data", refit=refit)
    return dealer, kb, matcher


def callback_codec(settings: Settings) -> CallbackCodec:
    """Signs with CALLBACK_SECRET, verifies with it and CALLBACK_SECRET_PREVIOUS. Without one (the terminal chat,
    the tests) a fixed local key: the commands that run on Telegram resolve the secret first
    (bot.core.common.deployment_secrets.with_callback_secret), so a deployment never signs with it."""
    current = settings.callback_secret.get_secret_value().encode() if settings.callback_secret else OFFLINE_SECRET
    before = settings.callback_secret_previous
    previous = [before.get_secret_value().encode()] if before else []
    return CallbackCodec(current, previous)


def build_services(settings: Settings) -> Services:
    dealer, kb, matcher = load_knowledge(settings)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    messages = Messages(settings.templates_dir, {locale: template_vars(dealer, locale) for locale in LOCALES})
    return Services(
        settings=settings,
        dealer=dealer,
        kb=kb,
        matcher=matcher,
        faq=FaqService(kb, matcher, sessions, settings.tz),
        messages=messages,
        callbacks=callback_codec(settings),
        warranty=WarrantyRules.load(settings.knowledge_dir / "warranty.yaml"),
        engine=engine,
        sessions=sessions,
        seen=SeenTimes(sessions),
    )
