from tests.core.campaigns.conftest import services_on

__all__ = ["services_on"]
