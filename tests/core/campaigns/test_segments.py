"""Audience filters as SQL, on SQLite and PostgreSQL: each filter, combinations, and who is never reached."""

from __future__ import annotations

import pytest

from bot.core.campaigns import segments
from bot.core.campaigns.delivery import warranty_periods
from bot.core.campaigns.segments import Audience, AudienceError
from bot.core.services import Services
from tests.core.campaigns.conftest import TODAY, seed

REACHABLE = {"toyota_recent", "toyota_old", "honda_never", "honda_warranty"}

CASES = [
    ({}, REACHABLE),
    ({"makes": ["Toyota"]}, {"toyota_recent", "toyota_old"}),
    ({"makes": ["toyota"], "models": ["Camry"]}, {"toyota_old"}),
    ({"branches": ["futian"]}, {"toyota_old"}),
    ({"last_visit_months": 6}, {"toyota_old", "honda_warranty"}),
    ({"last_visit_months": 6, "makes": ["Honda"]}, {"honda_warranty"}),
    ({"never_visited": True}, {"honda_never"}),
    ({"insurance_days": 30}, {"honda_never"}),
    ({"insurance_days": 5}, set()),
    ({"warranty_days": 30}, {"honda_warranty"}),
    ({"warranty_days": 10}, set()),
    ({"makes": ["Toyota"], "never_visited": True}, set()),  # the Toyotas never visited opted out or are blocked
]


@pytest.mark.parametrize(("filters", "expected"), CASES)
async def test_each_filter_and_combination(
    services_on: Services, filters: dict[str, object], expected: set[str]
) -> None:
    ids = await seed(services_on)
    names = {v: k for k, v in ids.items()}
    audience = Audience.from_json(filters)
    async with services_on.sessions() as session:
        found = await segments.page(session, audience, TODAY, 0, 100, warranty_periods(services_on))
        count = await segments.count(session, audience, TODAY, warranty_periods(services_on))
    assert {names[r.customer_id] for r in found} == expected
    assert count == len(expected)


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"colour": "red"}, "colour"), ({"makes": "Toyota", "last_visit_months": -1}, "last_visit_months"),
     ({"rsvp": ["going"]}, "rsvp"), ({"event_id": 1, "rsvp": ["yes"]}, "rsvp"),
     ({"never_visited": "yes"}, "never_visited"), ({"never_visited": True, "last_visit_months": 3}, "never_visited")],
)  # fmt: skip
def test_bad_filters_are_refused_naming_the_field(filters: dict[str, object], field: str) -> None:
    with pytest.raises(AudienceError) as error:
        Audience.from_json(filters)
    assert error.value.field == field


def test_an_audience_survives_its_json() -> None:
    audience = Audience.from_json({"makes": ["Toyota"], "insurance_days": 30})
    assert Audience.from_json(audience.as_json()) == audience
