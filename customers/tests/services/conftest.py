import pytest

from accounts.models import Branch
from accounts.services import branch_create


@pytest.fixture
def westlands(organization) -> Branch:
    """A second branch of the organization, next to its head office 00."""
    return branch_create(organization=organization, code="01", name="Westlands")
