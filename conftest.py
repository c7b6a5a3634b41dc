import pytest


@pytest.fixture
def organization(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory()


@pytest.fixture
def other_organization(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory(name="Other Traders", slug="other")


@pytest.fixture
def manager(organization):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=organization, role="manager").user


@pytest.fixture
def clerk(organization):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=organization, role="clerk").user


@pytest.fixture
def viewer(organization):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=organization, role="viewer").user
