"""Staff members and their roles (DESIGN.md, decision 7)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    String,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow

STAFF_ROLES = ("advisor", "supervisor", "marketing", "admin")


class Staff(Base):
    """A member of staff, by Telegram user id; bootstrapped from settings, managed with /staff."""

    __tablename__ = "staff"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(String(128))
    roles: Mapped[str] = mapped_column(String(64), doc="comma-separated STAFF_ROLES, e.g. 'advisor,supervisor'")
    branch: Mapped[str | None] = mapped_column(String(32), doc="a branch id from dealer.yaml; None: all branches")
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
