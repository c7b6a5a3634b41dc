"""Load the demo organization "Demo Traders": branches, lookups, ~200 customers with contacts,
billing entities, bank accounts and two years of transactions, plus the demo logins.

Idempotent: the data is planned from a fixed random seed and each customer has a fixed
customer_no, so a second run finds its rows and only re-sets the passwords and issues a new
API key. Every write goes through the services, exactly as the API, the UI and the importer do.
"""

import os
import random
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKeyScope, Branch, Organization, Role
from accounts.selectors import branch_list, organization_get_by_slug
from accounts.services import api_key_create, branch_create, membership_set, organization_create
from billing.models import PaymentTerms, PaymentTermsType
from billing.services import billing_entity_create
from core.exceptions import NotFound
from customers.models import (
    Category,
    ContactOrigin,
    Customer,
    CustomerGroup,
    CustomerSource,
    CustomerType,
    FinanceCode,
    VatZone,
)
from customers.selectors import lookup_list
from customers.services import (
    contact_email_create,
    contact_email_set_locked,
    contact_phone_create,
    contact_phone_set_locked,
    customer_archive,
    customer_block,
    customer_create,
    lookup_create,
)
from customers.validators import CVR_WEIGHTS, nit_check_digit, normalize_phone
from transactions.models import TransactionStatus, TransactionType
from transactions.services import transaction_record

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Traders"
DEMO_TIMEZONE = "Africa/Nairobi"
# make run serves on PORT (default 8000).
BACK_OFFICE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"
ADMIN_URL = f"{BACK_OFFICE_URL}admin/"
# A fixed seed makes every run plan the same customers, so a re-run recognises them.
SEED = 20250117
CUSTOMER_PREFIX = "DEMO"
WALK_IN_NO = "WALKIN"
COUNTRY_MIX = {"KE": 150, "CO": 20, "GH": 15, "DK": 14}  # plus the walk-in customer: 200 in all
HISTORY_DAYS = 730
WALK_IN_SALES = 40
KENYAN_VAT = Decimal("0.16")
CENT = Decimal("0.01")

BRANCHES = {"00": "Head Office", "01": "Mombasa Road", "02": "Kisumu"}
CATEGORIES = {
    "Retail": "Shops, kiosks and individual buyers.",
    "Wholesale": "Distributors and resellers buying in bulk.",
    "Corporate": "Companies buying for their own operations.",
    "Government": "National and county government bodies and state corporations.",
    "Hospitality": "Hotels, lodges, restaurants and caterers.",
}
GROUPS = {
    "Key accounts": "Largest customers, reviewed monthly.",
    "Standard": "Regular credit customers.",
    "Cash customers": "Pay on receipt; no credit line.",
    "Export": "Customers outside Kenya, invoiced zero-rated.",
    "Public sector": "Invoices follow the government procurement process.",
}
FINANCE_CODES = {
    "1100 Trade debtors - local": "Kenyan customers on credit.",
    "1105 Trade debtors - export": "Foreign customers; invoices in their currency.",
    "1110 Government receivables": "Public bodies; payment follows the IFMIS cycle.",
    "1120 Cash sales control": "Counter sales settled on the spot.",
}
ORIGINS = {
    "Web form": "Signed up through the website.",
    "Referral": "Introduced by an existing customer.",
    "Walk-in": "Came into a branch.",
    "Trade fair": "Met at a trade fair or show.",
}
# name: (days, type, description)
PAYMENT_TERMS = {
    "Due on receipt": (0, PaymentTermsType.NET, "Pay when the invoice is issued."),
    "Net 30": (30, PaymentTermsType.NET, "Pay within 30 days of the invoice date."),
    "Net 60": (60, PaymentTermsType.NET, "Pay within 60 days of the invoice date."),
    "End of month + 30": (30, PaymentTermsType.END_OF_MONTH, "Pay 30 days after the end of the invoice month."),
}
# Approximate days until payment, for planning when invoices get paid.
TERMS_DAYS = {"Due on receipt": 0, "Net 30": 30, "Net 60": 60, "End of month + 30": 45}


# --- names and places --------------------------------------------------------------------------

KE_GIVEN = [
    "Wanjiku", "Akinyi", "Achieng", "Njeri", "Wambui", "Nyambura", "Chebet", "Jepchirchir", "Mumbua", "Moraa",
    "Kerubo", "Zawadi", "Grace", "Faith", "Mercy", "Esther", "Joyce", "Lucy", "Otieno", "Kiprono", "Mutua",
    "Omondi", "Kamau", "Mwangi", "Njoroge", "Wafula", "Juma", "Hassan", "Brian", "Kevin", "Dennis", "Peter",
    "Samuel", "Daniel", "James", "Amina", "Fatuma", "Collins", "Sharon", "Winnie",
]  # fmt: skip
KE_SURNAMES = [
    "Kamau", "Ochieng", "Otieno", "Mwangi", "Njoroge", "Kariuki", "Wanjiru", "Odhiambo", "Onyango", "Kiprotich",
    "Cheruiyot", "Mutua", "Musyoka", "Wafula", "Wekesa", "Barasa", "Omondi", "Kimani", "Githinji", "Ndung'u",
    "Owino", "Nyaga", "Mugo", "Maina", "Kibet", "Rotich", "Koech", "Abdalla", "Mohamed", "Atieno", "Chege",
]  # fmt: skip
KE_PLACES = [
    "Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret", "Thika", "Rift Valley", "Lakeside", "Savannah",
    "Kirinyaga", "Jambo", "Tausi", "Simba", "Mlima", "Pwani", "Baraka", "Upendo", "Amani", "Neema", "Zuri",
]  # fmt: skip
# trade: category
KE_TRADES = {
    "Fresh Produce": "Wholesale", "Hardware": "Retail", "Supermarket": "Retail", "Pharmacy": "Retail",
    "Agrovet": "Retail", "Motors": "Corporate", "Electricals": "Retail", "Builders": "Corporate",
    "Dairies": "Wholesale", "Logistics": "Corporate", "Bakers": "Wholesale", "Textiles": "Wholesale",
    "Stationers": "Retail", "Beverage Distributors": "Wholesale", "Auto Spares": "Retail", "Millers": "Wholesale",
    "Construction": "Corporate", "Beach Hotel": "Hospitality", "Guest House": "Hospitality",
    "Restaurant": "Hospitality", "Safari Lodge": "Hospitality", "Caterers": "Hospitality",
}  # fmt: skip
KE_GOVERNMENT = [
    "County Government of Kisumu", "County Government of Nakuru", "Kenya Ports Authority",
    "Kenya Rural Roads Authority", "Kenyatta National Hospital", "Moi Teaching and Referral Hospital",
    "Kenya Wildlife Service", "Kenya Bureau of Standards",
]  # fmt: skip
# city: (postal code, branch code, streets)
KE_CITIES = {
    "Nairobi": ("00100", None, ["Moi Avenue", "Kenyatta Avenue", "Tom Mboya Street", "Ngong Road", "Kimathi Street"]),
    "Nairobi Industrial Area": ("00500", "01", ["Mombasa Road", "Enterprise Road", "Lunga Lunga Road"]),
    "Mombasa": ("80100", "00", ["Nkrumah Road", "Moi Avenue", "Digo Road"]),
    "Kisumu": ("40100", "02", ["Oginga Odinga Street", "Jomo Kenyatta Highway", "Nairobi Road"]),
    "Kakamega": ("50100", "02", ["Canon Awori Street", "Kisumu Road"]),
    "Kisii": ("40200", "02", ["Hospital Road", "Sansora Road"]),
    "Nakuru": ("20100", "00", ["Kenyatta Avenue", "Gusii Road"]),
    "Eldoret": ("30100", "00", ["Uganda Road", "Oloo Street"]),
    "Thika": ("01000", "00", ["Kenyatta Highway", "Commercial Street"]),
}
KE_BUILDINGS = [
    "Anniversary Towers",
    "Reinsurance Plaza",
    "Mega Plaza",
    "Biashara House",
    "Uhuru House",
    "Jubilee Centre",
]
KE_BANKS = [("Equity Bank", "EQBLKENA"), ("KCB Bank", "KCBLKENX"), ("Co-operative Bank", "KCOOKENA")]

CO_GIVEN = [
    "José", "María Fernanda", "Andrés", "Camila", "Juan Pablo", "Valentina", "Sebastián", "Daniela", "Santiago",
    "Luisa", "Nicolás", "Ángela", "Julián", "Sofía", "Óscar", "Mónica",
]  # fmt: skip
CO_SURNAMES = [
    "Muñoz", "Gómez", "Rodríguez", "Peña", "Ramírez", "Martínez", "Hernández", "López", "Díaz", "Sánchez",
    "Castaño", "Ibáñez", "Gutiérrez", "Vásquez", "Restrepo", "Londoño",
]  # fmt: skip
CO_COMPANIES = [
    "Inversiones Andina S.A.S.", "Distribuidora El Dorado S.A.S.", "Café de la Montaña Ltda.",
    "Comercializadora Antioqueña S.A.S.", "Textiles del Valle S.A.", "Logística Caribe S.A.S.",
    "Importadora Pacífico S.A.S.", "Flores de la Sabana S.A.S.", "Agroindustrias Santandereanas S.A.S.",
    "Tostadora Nariño Ltda.", "Ferretería Boyacá S.A.S.", "Hoteles Cartagena Colonial S.A.",
]  # fmt: skip
CO_CITIES = {
    "Bogotá": "110111",
    "Medellín": "050021",
    "Cali": "760001",
    "Barranquilla": "080001",
    "Cartagena": "130001",
}

GH_GIVEN = ["Kwame", "Kofi", "Kwabena", "Yaw", "Kojo", "Ama", "Akosua", "Abena", "Efua", "Adwoa", "Esi", "Yaa", "Ekow"]
GH_SURNAMES = ["Mensah", "Owusu", "Boateng", "Asante", "Osei", "Darko", "Appiah", "Agyeman", "Ofori", "Quaye", "Addo"]
GH_COMPANIES = [
    "Accra Cocoa Exporters Ltd", "Kumasi Textile Ventures Ltd", "Tema Harbour Supplies Ltd",
    "Takoradi Timber Company Ltd", "Volta Agro Processing Ltd", "Gold Coast Pharmacy Ltd", "Adinkra Foods Ltd",
    "Osu Beach Hotel Ltd", "Kejetia Wholesale Traders Ltd", "Sunyani Agrochemicals Ltd",
]  # fmt: skip
GH_CITIES = {"Accra": "GA", "Kumasi": "AK", "Tema": "GT", "Takoradi": "WS"}
GH_STREETS = ["Independence Avenue", "Ring Road Central", "Liberation Road", "Harper Road", "Market Circle"]

DK_GIVEN = ["Mette", "Lars", "Anne-Sofie", "Søren", "Jørgen", "Ida", "Mikkel", "Frederikke"]
DK_SURNAMES = ["Sørensen", "Jørgensen", "Kjær", "Møller", "Nørgaard", "Østergaard", "Bæk", "Lund"]
DK_COMPANIES = [
    "Søren Møller ApS", "Nørgaard Handel A/S", "Østergaard & Søn ApS", "Bækgaard Import ApS",
    "Aarhus Kaffekompagni ApS", "Fjordens Fisk A/S", "Jørgensen Logistik ApS", "Hygge Interiør ApS",
    "Odense Vinhandel ApS", "Ærø Bryghus ApS", "Læsø Salt I/S",
]  # fmt: skip
DK_CITIES = {"København V": "1620", "Aarhus C": "8000", "Odense C": "5000", "Aalborg": "9000", "Esbjerg": "6700"}
DK_STREETS = ["Vesterbrogade", "Søndergade", "Nørregade", "Strandvejen", "Havnegade", "Østergade"]
# bank name, BIC, registration number prefix
DK_BANKS = [("Danske Bank", "DABADKKK", "30"), ("Nordea Danmark", "NDEADKKK", "21"), ("Jyske Bank", "JYBADKKK", "50")]

SALES_REPS = ["Brian Otieno", "Faith Wambui", "Kevin Mwangi", "Lucy Achieng"]
CONTACT_ROLES = ["Accounts payable", "Procurement", "Director", "Store manager", "Finance manager"]
CREDIT_NOTE_REASONS = ["Goods returned - damaged in transit", "Price adjustment", "Short delivery", "Volume rebate"]
LOCK_NOTE = "Confirmed with the customer; a manager must approve any change."

# Rough exchange rates against KES, so foreign amounts look like their currency.
CURRENCY_SCALE = {"KES": Decimal("1"), "COP": Decimal("30"), "GHS": Decimal("0.1"), "DKK": Decimal("0.05")}
# Typical invoice size in KES by kind of customer.
SALE_RANGE_KES = {
    "individual": (1_500, 35_000),
    "company": (8_000, 180_000),
    "hospitality": (10_000, 150_000),
    "government": (60_000, 900_000),
}
SALES_PER_CUSTOMER = {"individual": (1, 4), "company": (3, 10), "hospitality": (4, 9), "government": (2, 5)}


# --- the plan: pure data from the seeded random generator --------------------------------------

OPENING_HOUR, CLOSING_HOUR = 8, 17
ZERO_TAX = Decimal("0.00")


@dataclass
class EntryPlan:
    type: str
    day: date
    minute: int  # minutes after midnight, organization time
    amount: Decimal
    tax: Decimal = ZERO_TAX
    description: str = ""
    status: str = TransactionStatus.SUCCESS


@dataclass
class CustomerPlan:
    customer_no: str
    country: str
    kind: str  # individual, company, hospitality, government or walkin
    branch_code: str
    data: dict[str, Any]
    category: str
    group: str
    finance_code: str
    origin: str
    payment_terms: str
    source: str = CustomerSource.UI
    emails: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    bank_accounts: list[dict[str, Any]] = field(default_factory=list)
    locked_emails: set[str] = field(default_factory=set)
    locked_phones: set[str] = field(default_factory=set)
    final_status: str = "active"
    entries: list[EntryPlan] = field(default_factory=list)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, for e-mail addresses and domains."""
    for source, target in {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "å": "aa", "Å": "Aa"}.items():
        text = text.replace(source, target)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def core_name(name: str) -> str:
    """A company name without its legal form: 'Søren Møller ApS' -> 'Søren Møller'."""
    return re.sub(r"\s*(&\s*Sons\s+)?\b(Ltd|Limited|Enterprises|S\.A\.S\.|S\.A\.|Ltda\.|ApS|A/S|I/S)$", "", name)


def company_domain(name: str, tld: str) -> str:
    return f"{ascii_slug(core_name(name))}.{tld}"


def vat(gross: Decimal) -> Decimal:
    """The VAT inside a VAT-inclusive Kenyan amount (16%)."""
    return (gross * KENYAN_VAT / (1 + KENYAN_VAT)).quantize(CENT, rounding=ROUND_HALF_UP)


class Planner:
    """Turns the fixed seed into customers and their ledgers; touches no database."""

    def __init__(self, *, seed: int, today: date):
        self.rng = random.Random(seed)
        self.today = today
        self.used_tax_ids: set[str] = set()
        self.used_names: set[str] = set()

    # identifiers

    def unique(self, make) -> str:
        while True:
            value = make()
            if value not in self.used_tax_ids:
                self.used_tax_ids.add(value)
                return value

    def digits(self, count: int) -> str:
        return "".join(str(self.rng.randint(0, 9)) for _ in range(count))

    def kra_pin(self, *, individual: bool) -> str:
        return self.unique(
            lambda: ("P05" if individual else "A00") + self.digits(7) + self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
        )

    def nit(self, *, company: bool) -> str:
        def make() -> str:
            number = ("90" + self.rng.choice("01") + self.digits(6)) if company else ("10" + self.digits(8))
            grouped = f"{int(number):,}".replace(",", ".")
            return f"{grouped}-{nit_check_digit(number)}"

        return self.unique(make)

    def ghana_tin(self, *, company: bool) -> str:
        return self.unique(lambda: ("C00" if company else "P00") + self.digits(8))

    def cvr(self) -> str:
        def make() -> str:
            while True:
                digits = [self.rng.randint(1, 9)] + [self.rng.randint(0, 9) for _ in range(6)]
                # The last weight is 1, so the last digit brings the weighted sum to a multiple of 11.
                last = -sum(d * w for d, w in zip(digits, CVR_WEIGHTS[:7], strict=True)) % 11
                if last < 10:
                    return "".join(map(str, [*digits, last]))

        return self.unique(make)

    def gln(self) -> str:
        body = "5798000" + self.digits(5)
        checksum = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
        return body + str((10 - checksum % 10) % 10)

    def iban_dk(self, registration_prefix: str) -> str:
        bban = registration_prefix + self.digits(2) + self.digits(10)
        numeric = "".join(str(int(char, 36)) for char in bban + "DK00")
        iban = f"DK{98 - int(numeric) % 97:02d}{bban}"
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))

    def phone(self, country: str, *, landline: bool = False) -> str:
        prefixes = {
            "KE": ["20"] if landline else ["70", "71", "72", "74", "79", "11", "73", "78"],
            "CO": ["300", "301", "310", "311", "312", "315", "320", "350"],
            "GH": ["24", "54", "55", "59", "20", "50", "27"],
            "DK": list("2345678"),
        }[country]
        dial = {"KE": "+254", "CO": "+57", "GH": "+233", "DK": "+45"}[country]
        national_length = {"KE": 9, "CO": 10, "GH": 9, "DK": 8}[country]
        while True:
            prefix = self.rng.choice(prefixes)
            try:
                return normalize_phone(dial + prefix + self.digits(national_length - len(prefix)), country)
            except ValidationError:
                continue  # an unassigned range: draw another number

    def money(self, low: float, high: float, currency: str) -> Decimal:
        amount = Decimal(str(self.rng.uniform(low, high))) * CURRENCY_SCALE[currency]
        step = Decimal("100") if currency == "COP" else CENT
        return (amount / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step

    def business_minute(self) -> int:
        return self.rng.randint(OPENING_HOUR * 60, CLOSING_HOUR * 60 - 30)

    # customers

    def person(self, given: list[str], surnames: list[str], *, two_surnames: bool = False) -> str:
        while True:
            first = self.rng.choice(given)
            last = self.rng.choice(surnames)
            if two_surnames and self.rng.random() < 0.6:
                last = f"{last} {self.rng.choice(surnames)}"
            name = f"{first} {last}"
            if first not in last and name not in self.used_names:
                self.used_names.add(name)
                return name

    def plan_all(self) -> list[CustomerPlan]:
        countries = [country for country, count in COUNTRY_MIX.items() for _ in range(count)]
        self.rng.shuffle(countries)
        pools = {
            "KE_GOV": self.rng.sample(KE_GOVERNMENT, len(KE_GOVERNMENT)),
            "KE": [f"{place} {trade}" for place in KE_PLACES for trade in KE_TRADES],
            "CO": self.rng.sample(CO_COMPANIES, len(CO_COMPANIES)),
            "GH": self.rng.sample(GH_COMPANIES, len(GH_COMPANIES)),
            "DK": self.rng.sample(DK_COMPANIES, len(DK_COMPANIES)),
        }
        self.rng.shuffle(pools["KE"])
        plans = [self.plan_walk_in()]
        for index, country in enumerate(countries, start=1):
            customer_no = f"{CUSTOMER_PREFIX}{index:04d}"
            if country == "KE":
                plan = self.plan_kenyan(customer_no, pools["KE"], pools["KE_GOV"])
            else:
                plan = self.plan_foreign(customer_no, country, pools[country])
            self.plan_status(plan)
            plan.entries = self.plan_ledger(plan)
            plans.append(plan)
        return plans

    def plan_walk_in(self) -> CustomerPlan:
        plan = CustomerPlan(
            customer_no=WALK_IN_NO,
            country="KE",
            kind="walkin",
            branch_code="00",
            data={
                "name": "Walk-in Customer",
                "type": CustomerType.INDIVIDUAL,
                "alias": "Cash sales",
                "address": "Counter sales at any branch",
                "metadata": {"note": "Cash sales without customer details"},
            },
            category="Retail",
            group="Cash customers",
            finance_code="1120 Cash sales control",
            origin="Walk-in",
            payment_terms="Due on receipt",
        )
        for _ in range(WALK_IN_SALES):
            day = self.today - timedelta(days=self.rng.randint(1, HISTORY_DAYS))
            minute = self.business_minute()
            amount = self.money(150, 6_000, "KES")
            plan.entries.append(EntryPlan(TransactionType.SALE, day, minute, amount, vat(amount), "Counter sale"))
            plan.entries.append(
                EntryPlan(
                    TransactionType.PAYMENT,
                    day,
                    minute + 2,
                    amount,
                    description=self.payment_method("KE", "individual"),
                )
            )
        return plan

    def plan_kenyan(self, customer_no: str, companies: list[str], government: list[str]) -> CustomerPlan:
        rng = self.rng
        roll = rng.random()
        data: dict[str, Any] = {"country": "KE", "language": "sw" if rng.random() < 0.15 else "en"}
        city = rng.choice(list(KE_CITIES))
        if roll < 0.05 and government:
            name = government.pop()
            kind, category, group, terms = "government", "Government", "Public sector", "Net 60"
            finance_code = "1110 Government receivables"
            data |= {"type": CustomerType.GOVERNMENT, "tax_id": self.kra_pin(individual=False)}
            city = next((c for c in KE_CITIES if c in name), "Nairobi")
        elif roll < 0.45:
            base = companies.pop()
            place, trade = next((base.removesuffix(f" {t}"), t) for t in KE_TRADES if base.endswith(f" {t}"))
            suffix = rng.choices(["Ltd", "Limited", "Enterprises", "& Sons Ltd"], weights=[6, 2, 1, 1])[0]
            name = f"{base} {suffix}"
            category = KE_TRADES[trade]
            kind = "hospitality" if category == "Hospitality" else "company"
            group = "Key accounts" if rng.random() < 0.2 else "Standard"
            terms = rng.choices(["Net 30", "Net 60", "End of month + 30", "Due on receipt"], weights=[5, 2, 2, 1])[0]
            finance_code = "1100 Trade debtors - local"
            data |= {
                "type": CustomerType.COMPANY,
                "tax_id": self.kra_pin(individual=False),
                "registration_number": "PVT-" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=7)),
            }
            if rng.random() < 0.4:
                data["website"] = f"https://www.{company_domain(name, 'co.ke')}"
            if place in KE_CITIES:
                city = place
        else:
            name = self.person(KE_GIVEN, KE_SURNAMES)
            kind, category = "individual", "Retail"
            group = "Cash customers" if rng.random() < 0.5 else "Standard"
            terms = "Due on receipt" if group == "Cash customers" else "Net 30"
            finance_code = "1100 Trade debtors - local"
            data |= {
                "type": CustomerType.INDIVIDUAL,
                "tax_id": self.kra_pin(individual=True) if rng.random() < 0.85 else "",
            }
        postal, branch_code, streets = KE_CITIES[city]
        building = "" if kind == "individual" else rng.choice(KE_BUILDINGS) + ", "
        data |= {
            "city": city.removesuffix(" Industrial Area"),
            "postal_code": postal,
            "address": f"{building}{rng.choice(streets)}, P.O. Box {rng.randint(100, 99999)}-{postal}",
        }
        return self.finish_plan(
            CustomerPlan(
                customer_no=customer_no,
                country="KE",
                kind=kind,
                branch_code=branch_code or rng.choice(["00", "01"]),
                data={"name": name, **data},
                category=category,
                group=group,
                finance_code=finance_code,
                origin=rng.choices(list(ORIGINS), weights=[3, 4, 4, 2])[0],
                payment_terms=terms,
            ),
            tld="go.ke" if kind == "government" else "co.ke",
        )

    def plan_foreign(self, customer_no: str, country: str, companies: list[str]) -> CustomerPlan:
        rng = self.rng
        company = bool(companies) and rng.random() < (0.85 if country == "DK" else 0.6)
        data: dict[str, Any] = {"country": country, "vat_zone": VatZone.EUROPEAN if country == "DK" else VatZone.ABROAD}
        if country == "CO":
            city = rng.choice(list(CO_CITIES))
            street = f"{rng.choice(['Calle', 'Carrera', 'Avenida'])} {rng.randint(1, 120)}"
            data |= {
                "currency": "COP",
                "language": "es",
                "city": city,
                "postal_code": CO_CITIES[city],
                "address": f"{street} # {rng.randint(1, 99)}-{rng.randint(1, 99)}",
            }
            name = companies.pop() if company else self.person(CO_GIVEN, CO_SURNAMES, two_surnames=True)
            data["tax_id"] = self.nit(company=company)
            tld = "com.co"
        elif country == "GH":
            city = rng.choice(list(GH_CITIES))
            data |= {
                "currency": "GHS",
                "city": city,
                "address": f"{rng.randint(1, 80)} {rng.choice(GH_STREETS)}",
                # The GhanaPost GPS digital address.
                "location": f"{GH_CITIES[city]}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            }
            name = companies.pop() if company else self.person(GH_GIVEN, GH_SURNAMES)
            data["tax_id"] = self.ghana_tin(company=company)
            tld = "com.gh"
        else:
            city = rng.choice(list(DK_CITIES))
            data |= {
                "currency": "DKK",
                "language": "da",
                "city": city,
                "postal_code": DK_CITIES[city],
                "address": f"{rng.choice(DK_STREETS)} {rng.randint(1, 140)}",
            }
            if company:
                name = companies.pop()
                cvr = self.cvr()
                data |= {"tax_id": cvr, "vat_number": f"DK{cvr}"}
                if rng.random() < 0.3:
                    # Danish businesses receive e-invoices on their GLN (EAN) number.
                    data["ean_number"] = self.gln()
            else:
                # A Danish person's CPR number does not go on invoices, so individuals carry no tax ID.
                name = self.person(DK_GIVEN, DK_SURNAMES)
            tld = "dk"
        data["type"] = CustomerType.COMPANY if company else CustomerType.INDIVIDUAL
        kind = ("hospitality" if "Hotel" in name else "company") if company else "individual"
        category = {"hospitality": "Hospitality", "company": "Wholesale", "individual": "Retail"}[kind]
        terms = "Due on receipt" if kind == "individual" else rng.choice(["Net 30", "End of month + 30"])
        plan = self.finish_plan(
            CustomerPlan(
                customer_no=customer_no,
                country=country,
                kind=kind,
                branch_code="00",
                data={"name": name, **data},
                category=category,
                group="Export",
                finance_code="1105 Trade debtors - export",
                origin=rng.choices(list(ORIGINS), weights=[4, 3, 0, 3])[0],
                payment_terms=terms,
            ),
            tld=tld,
        )
        if country == "DK" and company and rng.random() < 0.6:
            bank, bic, prefix = rng.choice(DK_BANKS)
            plan.bank_accounts.append({"iban": self.iban_dk(prefix), "bic": bic, "bank_name": bank})
        return plan

    def finish_plan(self, plan: CustomerPlan, *, tld: str) -> CustomerPlan:
        """Contacts, billing entities and invoicing details, shared by every kind of customer."""
        rng = self.rng
        data = plan.data
        name, country = data["name"], plan.country
        is_person = plan.kind == "individual"
        given, surnames = {
            "KE": (KE_GIVEN, KE_SURNAMES),
            "CO": (CO_GIVEN, CO_SURNAMES),
            "GH": (GH_GIVEN, GH_SURNAMES),
            "DK": (DK_GIVEN, DK_SURNAMES),
        }[country]
        if is_person:
            contact_person = name
            mailbox = f"{ascii_slug(name.split()[0])}.{ascii_slug(name.split()[-1])}"
            webmail = rng.choice(["hotmail.dk", "gmail.com"] if country == "DK" else ["gmail.com", "yahoo.com"])
            addresses = [(f"{mailbox}@{webmail}", "", False), (f"{mailbox}{rng.randint(1, 99)}@outlook.com", "", False)]
        else:
            contact_person = f"{rng.choice(given)} {rng.choice(surnames)}"
            first, last = contact_person.split(" ", 1)
            domain = company_domain(name, tld)
            addresses = [
                (f"accounts@{domain}", "Accounts payable", True),
                (f"info@{domain}", "", False),
                (f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}", rng.choice(CONTACT_ROLES), False),
            ]
            currency = data.get("currency", "KES")
            data |= {
                "legal_name": name.replace(" Ltd", " Limited") if country in {"KE", "GH"} else name,
                "contact_first_name": first,
                "contact_last_name": last,
                "contact_phone": self.phone(country),
                "invoice_attention": "Accounts Payable",
                "invoice_email": f"accounts@{domain}",
                "credit_limit": self.money(*SALE_RANGE_KES[plan.kind], currency) * 3,
            }
            if plan.category == "Wholesale":
                data["discount_percent"] = rng.choice([Decimal("0"), Decimal("2.5"), Decimal("5")])

        for email, role, invoicing in addresses[: rng.choices([0, 1, 2, 3], weights=[15, 40, 30, 15])[0]]:
            locked = rng.random() < 0.08
            plan.emails.append(
                {
                    "email": email,
                    "contact_name": "" if email.startswith("info@") else contact_person,
                    "role": role,
                    "use_for_invoicing": invoicing,
                    "notes": LOCK_NOTE if locked else "",
                }
            )
            if locked:
                plan.locked_emails.add(email)

        phone_count = rng.choices([0, 1, 2, 3], weights=[10, 45, 30, 15])[0]
        whatsapp_share = 0.15 if country == "DK" else 0.6
        while len(plan.phones) < phone_count:
            landline = country == "KE" and not is_person and not plan.phones and rng.random() < 0.4
            number = self.phone(country, landline=landline)
            if any(row["number"] == number for row in plan.phones):
                continue
            locked = rng.random() < 0.06
            plan.phones.append(
                {
                    "number": number,
                    "is_whatsapp": not landline and rng.random() < whatsapp_share,
                    "contact_name": "" if landline else contact_person,
                    "role": "Office line" if landline else ("" if is_person else rng.choice(CONTACT_ROLES)),
                    "notes": LOCK_NOTE if locked else "",
                }
            )
            if locked:
                plan.locked_phones.add(number)
        if plan.phones:
            data["phone"] = plan.phones[0]["number"]
        elif rng.random() < 0.5:
            data["phone"] = self.phone(country)
        if plan.emails:
            data["email"] = plan.emails[0]["email"]

        tax_id = data.get("tax_id", "")
        if tax_id and rng.random() < (0.2 if is_person else 0.85):
            legal_name = data.get("legal_name") or name
            plan.entities.append(
                {
                    "legal_name": legal_name,
                    "tax_id": tax_id,
                    "billing_email": data.get("invoice_email") or data.get("email", ""),
                    "fiscal_address": data.get("address", ""),
                }
            )
            if not is_person and rng.random() < 0.2:
                holding, second_tax_id = {
                    "KE": ("Holdings Limited", lambda: self.kra_pin(individual=False)),
                    "CO": ("Holding S.A.S.", lambda: self.nit(company=True)),
                    "GH": ("Holdings Limited", lambda: self.ghana_tin(company=True)),
                    "DK": ("Holding ApS", self.cvr),
                }[country]
                plan.entities.append(
                    {
                        "legal_name": f"{core_name(name)} {holding}",
                        "tax_id": second_tax_id(),
                        "billing_address": data.get("address", ""),
                    }
                )
        if country == "KE" and not is_person and rng.random() < 0.1:
            bank, bic = rng.choice(KE_BANKS)
            plan.bank_accounts.append({"account_number": "01" + self.digits(11), "bic": bic, "bank_name": bank})
        if rng.random() < 0.4:
            data["metadata"] = {"sales_rep": rng.choice(SALES_REPS)}
        return plan

    def plan_status(self, plan: CustomerPlan) -> None:
        roll = self.rng.random()
        if roll < 0.06:
            plan.final_status = "archived"
        elif roll < 0.12 and plan.kind in {"company", "hospitality"}:
            plan.final_status = "blocked"

    # the ledger

    def payment_method(self, country: str, kind: str) -> str:
        rng = self.rng
        reference = rng.randint(100000, 999999)
        if country != "KE":
            return {"CO": "Transferencia internacional", "GH": "Bank transfer", "DK": "Bankoverførsel"}[
                country
            ] + f" {reference}"
        if kind in {"individual", "walkin"} or rng.random() < 0.3:
            code = rng.choice("RSTU") + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=9))
            return f"M-Pesa {code}"
        return f"{rng.choice(['EFT', 'RTGS', 'Cheque'])} {reference}"

    def plan_ledger(self, plan: CustomerPlan) -> list[EntryPlan]:
        rng = self.rng
        currency = plan.data.get("currency", "KES")
        taxed = plan.country == "KE"  # sales abroad are zero-rated exports
        archived = plan.final_status == "archived"
        last_day = self.today - timedelta(days=1)
        if archived:
            # Archived customers stopped buying a while ago and settled up.
            end = self.today - timedelta(days=rng.randint(270, 500))
            start = end - timedelta(days=rng.randint(60, 220))
        else:
            end = last_day
            start = self.today - timedelta(days=rng.randint(40, HISTORY_DAYS))
        terms_days = TERMS_DAYS[plan.payment_terms]
        low, high = SALE_RANGE_KES[plan.kind]
        entries: list[EntryPlan] = []

        def later(day: date, minute: int, days: int) -> tuple[date, int]:
            """A moment ``days`` after (day, minute), never in the future, never before it."""
            new_day = min(day + timedelta(days=days), last_day)
            if new_day <= day:
                return day, minute + 5
            return new_day, self.business_minute()

        def settle(day: date, minute: int, amount: Decimal, *, prompt: bool) -> None:
            """Plan the payment of ``amount`` invoiced at (day, minute), or leave it owing."""
            age = (self.today - day).days
            if plan.final_status == "blocked" and age < 150:
                return
            if not archived and rng.random() >= (0.95 if age > terms_days + 20 else 0.45):
                return
            delay = 0 if prompt else rng.randint(max(0, terms_days - 10), terms_days + 20)
            if archived:
                delay = min(delay, (end - day).days + 30)
            paid_day, paid_minute = later(day, minute, delay)
            if rng.random() < 0.01:
                entries.append(
                    EntryPlan(
                        TransactionType.PAYMENT,
                        paid_day,
                        paid_minute,
                        amount,
                        description="M-Pesa request cancelled by customer",
                        status=TransactionStatus.FAILED,
                    )
                )
                paid_minute += 3
            if not archived and rng.random() < 0.03:
                amount = (amount * Decimal(str(rng.uniform(0.6, 0.9)))).quantize(CENT)  # a part payment
            elif taxed and not archived and rng.random() < 0.05:
                # Some customers round up and leave the change on account.
                amount = (amount / 1000).quantize(Decimal("1"), rounding=ROUND_CEILING) * 1000
            entries.append(
                EntryPlan(
                    TransactionType.PAYMENT,
                    paid_day,
                    paid_minute,
                    amount,
                    description=self.payment_method(plan.country, plan.kind),
                )
            )

        if not archived and rng.random() < 0.25:
            # Moved over from the previous system with what they owed at the time.
            amount = self.money(low * 0.3, high * 0.6, currency)
            plan.data["metadata"] = {**plan.data.get("metadata", {}), "legacy_id": f"C-{rng.randint(10000, 49999)}"}
            plan.source = CustomerSource.IMPORT
            minute = OPENING_HOUR * 60
            entries.append(
                EntryPlan(TransactionType.OPENING_BALANCE, start, minute, amount, description="Balance brought forward")
            )
            settle(start, minute, amount, prompt=False)

        span = max((end - start).days, 1)
        sale_days = sorted(
            start + timedelta(days=rng.randint(0, span)) for _ in range(rng.randint(*SALES_PER_CUSTOMER[plan.kind]))
        )
        for day in sale_days:
            minute = self.business_minute()
            amount = self.money(low, high, currency)
            if plan.kind == "individual":
                description = "Counter sale"
            elif taxed:
                description = f"Goods supplied against LPO {rng.randint(1000, 9999)}"
            else:
                description = f"Export order EX-{rng.randint(100, 999)}, FOB Mombasa"
            entries.append(
                EntryPlan(TransactionType.SALE, day, minute, amount, vat(amount) if taxed else ZERO_TAX, description)
            )
            owed = amount
            if rng.random() < 0.05:
                credit = (amount * Decimal(str(rng.uniform(0.05, 0.3)))).quantize(CENT)
                credit_day, credit_minute = later(day, minute, rng.randint(1, 14))
                entries.append(
                    EntryPlan(
                        TransactionType.CREDIT_NOTE,
                        credit_day,
                        credit_minute,
                        credit,
                        vat(credit) if taxed else ZERO_TAX,
                        rng.choice(CREDIT_NOTE_REASONS),
                    )
                )
                owed -= credit
                minute = credit_minute if credit_day == day else minute
            settle(day, minute, owed, prompt=plan.payment_terms == "Due on receipt" and rng.random() < 0.9)

        if plan.final_status == "active" and plan.kind != "government" and rng.random() < 0.08:
            text = {"hospitality": "Advance for conference booking", "company": "Advance payment for next order"}
            entries.append(
                EntryPlan(
                    TransactionType.DEPOSIT,
                    self.today - timedelta(days=rng.randint(1, 60)),
                    self.business_minute(),
                    self.money(low * 0.3, high * 0.5, currency),
                    description=text.get(plan.kind, "Layaway deposit"),
                )
            )
        return entries


# --- the command --------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Load the demo organization 'Demo Traders' (slug demo) with ~200 customers and two years of "
        "transactions, the demo and admin logins, and a fresh write API key. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (it creates logins with a known password)."
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates logins with a known password, so it refuses to run when DEBUG is off "
                "(DJANGO_DEBUG=false). Pass --force to load the demo data anyway."
            )
        started = time.monotonic()
        password = getattr(settings, "DEMO_PASSWORD", "") or "demo12345"
        with transaction.atomic():
            organization = self.organization()
            self.branches(organization=organization)
            demo = membership_set(
                organization=organization,
                username="demo",
                role=Role.MANAGER,
                password=password,
                email="demo@example.com",
            ).user
            admin = membership_set(
                organization=organization,
                username="admin",
                role=Role.MANAGER,
                password=password,
                is_superuser=True,
                email="admin@example.com",
            ).user
            lookups = self.lookups(organization=organization)
            created, recorded = self.customers(organization=organization, lookups=lookups, actor=demo)
            issued = api_key_create(
                organization=organization, name="Demo integration key", scope=ApiKeyScope.WRITE, created_by=admin
            )

        total = Customer.objects.alive().filter(organization=organization).count()
        self.stdout.write(
            f"Demo data ready in {time.monotonic() - started:.1f}s: {organization.name} ({organization.slug}), "
            f"{total} customers ({created} new, {recorded} new transactions)."
        )
        self.stdout.write(f"Back office:      {BACK_OFFICE_URL}")
        self.stdout.write(f"Admin:            {ADMIN_URL}")
        self.stdout.write(f"Manager login:    {demo.get_username()} / {password}")
        self.stdout.write(f"Superuser login:  {admin.get_username()} / {password}")
        self.stdout.write("API key (write; send as 'Authorization: Bearer <key>', shown only now):")
        self.stdout.write(issued.secret)

    def organization(self) -> Organization:
        try:
            return organization_get_by_slug(slug=DEMO_SLUG)
        except NotFound:
            return organization_create(
                name=DEMO_NAME, slug=DEMO_SLUG, country="KE", base_currency="KES", timezone_name=DEMO_TIMEZONE
            )

    def branches(self, *, organization: Organization) -> None:
        existing = set(branch_list(organization=organization).values_list("code", flat=True))
        for code, name in BRANCHES.items():
            if code not in existing:
                branch_create(organization=organization, code=code, name=name)

    def lookups(self, *, organization: Organization) -> dict[type, dict[str, Any]]:
        wanted = {
            Category: {name: {"description": text} for name, text in CATEGORIES.items()},
            CustomerGroup: {name: {"description": text} for name, text in GROUPS.items()},
            FinanceCode: {name: {"description": text} for name, text in FINANCE_CODES.items()},
            ContactOrigin: {name: {"description": text} for name, text in ORIGINS.items()},
            PaymentTerms: {
                name: {"days": days, "type": kind, "description": text}
                for name, (days, kind, text) in PAYMENT_TERMS.items()
            },
        }
        found: dict[type, dict[str, Any]] = {}
        for model, items in wanted.items():
            by_name = {item.name: item for item in lookup_list(model=model, organization=organization)}
            for name, extra in items.items():
                if name not in by_name:
                    by_name[name] = lookup_create(model=model, organization=organization, name=name, **extra)
            found[model] = by_name
        return found

    def customers(
        self, *, organization: Organization, lookups: dict[type, dict[str, Any]], actor: AbstractBaseUser
    ) -> tuple[int, int]:
        """Create the planned customers that are missing; returns (customers created, entries recorded)."""
        zone = ZoneInfo(organization.timezone or DEMO_TIMEZONE)
        today = timezone.now().astimezone(zone).date()
        plans = Planner(seed=SEED, today=today).plan_all()
        # Rows already there (even if since deleted) are left alone, so re-running never duplicates
        # them nor brings back a customer someone removed.
        existing = set(
            Customer.objects.filter(
                organization=organization, customer_no__in=[plan.customer_no for plan in plans]
            ).values_list("customer_no", flat=True)
        )
        branches = {branch.code: branch for branch in branch_list(organization=organization)}
        todo = [plan for plan in plans if plan.customer_no not in existing]

        customers: dict[str, Customer] = {}
        for plan in todo:
            customers[plan.customer_no] = self.customer(
                organization=organization, plan=plan, branches=branches, lookups=lookups, actor=actor
            )

        # Entries go in in date order so invoice and receipt numbers rise with time.
        ledger = sorted(
            (
                (
                    datetime.combine(entry.day, datetime.min.time(), tzinfo=zone) + timedelta(minutes=entry.minute),
                    plan.customer_no,
                    entry,
                )
                for plan in todo
                for entry in plan.entries
            ),
            key=lambda row: (row[0], row[1]),
        )
        counters: dict[tuple[str, int], int] = {}
        prefixes = {
            TransactionType.SALE: "INV",
            TransactionType.PAYMENT: "RCT",
            TransactionType.CREDIT_NOTE: "CN",
            TransactionType.DEPOSIT: "DEP",
        }
        for occurred_at, customer_no, entry in ledger:
            if entry.type == TransactionType.OPENING_BALANCE:
                reference = f"OB-{customer_no}"
            else:
                key = (prefixes[entry.type], occurred_at.year)
                counters[key] = counters.get(key, 0) + 1
                reference = f"{key[0]}-{key[1]}-{counters[key]:05d}"
            transaction_record(
                organization=organization,
                customer=customers[customer_no],
                type=entry.type,
                total_amount=entry.amount,
                tax_amount=entry.tax,
                reference=reference,
                occurred_at=occurred_at,
                status=entry.status,
                description=entry.description,
                actor=actor,
            )

        for plan in todo:
            if plan.final_status == "archived":
                customer_archive(customer=customers[plan.customer_no], actor=actor)
            elif plan.final_status == "blocked":
                customer_block(customer=customers[plan.customer_no], actor=actor)
        return len(todo), len(ledger)

    def customer(
        self,
        *,
        organization: Organization,
        plan: CustomerPlan,
        branches: dict[str, Branch],
        lookups: dict[type, dict[str, Any]],
        actor: AbstractBaseUser,
    ) -> Customer:
        customer = customer_create(
            organization=organization,
            actor=actor,
            source=plan.source,
            bank_accounts=plan.bank_accounts,
            customer_no=plan.customer_no,
            branch=branches[plan.branch_code],
            category=lookups[Category][plan.category],
            group=lookups[CustomerGroup][plan.group],
            finance_code=lookups[FinanceCode][plan.finance_code],
            origin=lookups[ContactOrigin][plan.origin],
            payment_terms=lookups[PaymentTerms][plan.payment_terms],
            **plan.data,
        )
        for row in plan.emails:
            contact = contact_email_create(customer=customer, actor=actor, **row)
            if row["email"] in plan.locked_emails:
                contact_email_set_locked(contact=contact, locked=True, actor=actor)
        for row in plan.phones:
            contact = contact_phone_create(customer=customer, actor=actor, **row)
            if row["number"] in plan.locked_phones:
                contact_phone_set_locked(contact=contact, locked=True, actor=actor)
        for row in plan.entities:
            billing_entity_create(customer=customer, actor=actor, **row)
        return customer
