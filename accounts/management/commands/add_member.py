"""Create a user if missing and give them a role in an organization."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Role
from accounts.selectors import membership_get, organization_get_by_slug
from accounts.services import membership_set
from core.exceptions import NotFound


class Command(BaseCommand):
    help = "Create the user if missing, set their password, and make them a member of the organization with ROLE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG", help="Slug of the organization.")
        parser.add_argument("--username", required=True, metavar="NAME")
        parser.add_argument("--password", required=True, metavar="PW", help="Set (or reset) the user's password.")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--superuser", action="store_true", help="Also make the user a Django superuser (every organization)."
        )

    def handle(self, *args, **options) -> None:
        slug: str = options["org"]
        username: str = options["username"]
        try:
            organization = organization_get_by_slug(slug=slug)
        except NotFound:
            raise CommandError(f"No organization with the slug '{slug}'.") from None

        User = get_user_model()
        username_field = User._meta.get_field(User.USERNAME_FIELD)
        try:
            username_field.run_validators(username)
        except ValidationError as exc:
            raise CommandError(f"Invalid username '{username}': {' '.join(exc.messages)}") from exc

        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        previous = membership_get(user=user, organization=organization) if user is not None else None
        membership = membership_set(
            organization=organization,
            username=username,
            role=options["role"],
            password=options["password"],
            is_superuser=options["superuser"],
        )

        where = f"{organization.name} ({organization.slug})"
        if user is None:
            self.stdout.write(f"Created user '{username}'.")
        else:
            self.stdout.write(f"User '{username}' exists; password reset.")
        if previous is None:
            self.stdout.write(f"Added '{username}' to {where} as {membership.role}.")
        elif previous.role != membership.role:
            self.stdout.write(f"Changed the role of '{username}' in {where} from {previous.role} to {membership.role}.")
        else:
            self.stdout.write(f"'{username}' is already {membership.role} in {where}; role unchanged.")
        if options["superuser"]:
            self.stdout.write(f"'{username}' is a superuser.")
