"""Campaigns (broadcasts and event invitations) and what they led to (migration 0009)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow

CAMPAIGN_KINDS = ("broadcast", "event")
CAMPAIGN_STATUSES = ("scheduled", "sending", "paused", "done", "cancelled")


class Campaign(Base):
    """What marketing sends to a segment. Its messages are outbox rows keyed `campaign:{id}:{customer}`, so
    figures are read from the outbox and a campaign started twice reaches each customer once.

    `cursor` is the last customer id enqueued: delivery enqueues in pages and a restart goes on from there.
    """

    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), doc="broadcast or event")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL", name="fk_campaign_event"))
    audience: Mapped[Any] = mapped_column(JSON, nullable=False, doc="the filters (bot.core.campaigns.segments)")
    texts: Mapped[Any] = mapped_column(JSON, nullable=False, doc="{locale: message}, Telegram HTML")
    button: Mapped[Any] = mapped_column(JSON, nullable=True, doc='{"kind": "book"|"rsvp"|"url", "url": …}')
    send_at: Mapped[dt.datetime] = mapped_column(doc="out of quiet hours")
    quiet_shifted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    enqueued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    capped: Mapped[int] = mapped_column(Integer, default=0, server_default="0", doc="over the weekly cap")
    audience_size: Mapped[int | None] = mapped_column(Integer, doc="counted when delivery started")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class CampaignTouch(Base):
    """A customer came through a campaign's deep link (`/start c_<id>`): bookings after it are attributed."""

    __tablename__ = "campaign_touch"
    __table_args__ = (Index("ix_campaign_touch_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE", name="fk_campaign_touch_campaign"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE", name="fk_campaign_touch_customer")
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
