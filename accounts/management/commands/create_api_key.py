"""Issue an API key for an integrator; the secret is printed alone on the last line of stdout."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiKeyScope
from accounts.selectors import organization_get_by_slug
from accounts.services import api_key_create, organization_create
from core.exceptions import DomainError, NotFound


class Command(BaseCommand):
    help = (
        "Create an API key for an organization and print its secret (shown once) alone on the last line, "
        "so scripts can read it with `tail -n 1`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG", help="Slug of the organization the key belongs to.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'POS till 3'.")
        parser.add_argument(
            "--scope",
            choices=ApiKeyScope.values,
            default=ApiKeyScope.READ,
            help="read (default) answers 403 on any write; write may also create and change data.",
        )
        parser.add_argument(
            "--create-org",
            metavar="NAME",
            help="Create the organization (with its 00 Head Office branch) under this name when the slug is unknown.",
        )

    def handle(self, *args, **options) -> None:
        slug: str = options["org"]
        try:
            organization = organization_get_by_slug(slug=slug)
        except NotFound:
            if not options["create_org"]:
                raise CommandError(
                    f"No organization with the slug '{slug}'. Check the slug, or pass --create-org \"Org Name\" "
                    "to create it."
                ) from None
            organization = self._create_organization(name=options["create_org"], slug=slug)
            self.stdout.write(f"Created organization {organization.name} ({organization.slug}) with branch 00.")

        try:
            issued = api_key_create(organization=organization, name=options["name"], scope=options["scope"])
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc

        key = issued.api_key
        self.stdout.write(
            f"API key '{key.name}' ({key.scope}) for {organization.name} ({organization.slug}), prefix {key.prefix}."
        )
        self.stdout.write("The secret below is shown only now; store it safely:")
        self.stdout.write(issued.secret)

    def _create_organization(self, *, name: str, slug: str):
        try:
            return organization_create(name=name, slug=slug)
        except ValidationError as exc:
            raise CommandError(f"Cannot create the organization: {_describe(exc)}") from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)
