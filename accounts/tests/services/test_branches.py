import pytest
from django.core.exceptions import ValidationError

from accounts.models import Branch
from accounts.selectors import branch_get_by_code, branch_list
from accounts.services import branch_create, branch_update
from core.exceptions import Conflict, NotFound


@pytest.mark.django_db
class TestBranchCreate:
    def test_creates_an_active_branch(self, organization):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        assert branch_get_by_code(organization=organization, code="01") == branch
        assert branch.is_active
        assert [b.code for b in branch_list(organization=organization)] == ["00", "01"]

    def test_duplicate_code_is_a_conflict(self, organization):
        branch_create(organization=organization, code="01", name="Mombasa Road")

        with pytest.raises(Conflict) as excinfo:
            branch_create(organization=organization, code="01", name="Westlands")

        assert excinfo.value.errors == {"code": ["A branch with the code '01' already exists."]}
        assert branch_get_by_code(organization=organization, code="01").name == "Mombasa Road"

    def test_head_office_code_cannot_be_reused(self, organization):
        with pytest.raises(Conflict):
            branch_create(organization=organization, code="00", name="Second Head Office")

    def test_same_code_in_another_organization_is_allowed(self, organization, other_organization):
        branch_create(organization=organization, code="01", name="Mombasa Road")

        branch = branch_create(organization=other_organization, code="01", name="Kumasi")

        assert branch.organization == other_organization

    @pytest.mark.parametrize("code", ["0 1", "NBO#1", "", "x" * 21, "Nairobi/CBD"])
    def test_invalid_code_is_rejected(self, organization, code):
        with pytest.raises(ValidationError) as excinfo:
            branch_create(organization=organization, code=code, name="Westlands")

        assert "code" in excinfo.value.message_dict
        assert list(Branch.objects.filter(organization=organization).values_list("code", flat=True)) == ["00"]

    def test_inactive_branch_is_left_out_of_active_list(self, organization):
        branch_create(organization=organization, code="02", name="Closed Kiosk", is_active=False)

        assert [b.code for b in branch_list(organization=organization, active_only=True)] == ["00"]
        assert [b.code for b in branch_list(organization=organization)] == ["00", "02"]


@pytest.mark.django_db
class TestBranchUpdate:
    def test_changes_name_code_and_active_flag(self, organization):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        branch_update(branch=branch, code="MSA", name="Mombasa Town", is_active=False)

        branch.refresh_from_db()
        assert (branch.code, branch.name, branch.is_active) == ("MSA", "Mombasa Town", False)
        with pytest.raises(NotFound):
            branch_get_by_code(organization=organization, code="01")

    def test_only_given_fields_change(self, organization):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        branch_update(branch=branch, name="Mombasa Road Depot")

        branch.refresh_from_db()
        assert (branch.code, branch.name, branch.is_active) == ("01", "Mombasa Road Depot", True)

    def test_duplicate_code_is_a_conflict_and_changes_nothing(self, organization):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        with pytest.raises(Conflict) as excinfo:
            branch_update(branch=branch, code="00", name="Renamed")

        assert excinfo.value.field == "code"
        branch.refresh_from_db()
        assert (branch.code, branch.name) == ("01", "Mombasa Road")

    def test_keeping_its_own_code_is_not_a_conflict(self, organization):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        branch_update(branch=branch, code="01", name="Mombasa Road Depot")

        branch.refresh_from_db()
        assert branch.name == "Mombasa Road Depot"

    def test_code_used_by_another_organization_is_allowed(self, organization, other_organization):
        branch_create(organization=other_organization, code="ACC", name="Accra")
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        branch_update(branch=branch, code="ACC")

        branch.refresh_from_db()
        assert branch.code == "ACC"

    @pytest.mark.parametrize("code", ["0 1", "NBO#1", ""])
    def test_invalid_code_is_rejected_and_changes_nothing(self, organization, code):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        with pytest.raises(ValidationError) as excinfo:
            branch_update(branch=branch, code=code)

        assert "code" in excinfo.value.message_dict
        branch.refresh_from_db()
        assert branch.code == "01"

    def test_cannot_move_a_branch_to_another_organization(self, organization, other_organization):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        branch_update(branch=branch, organization=other_organization, name="Mombasa Road Depot")

        branch.refresh_from_db()
        assert branch.organization == organization
        assert branch.name == "Mombasa Road Depot"
