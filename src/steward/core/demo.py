"""Demo data for parties, projects and people: an online retailer and three vendors.

Idempotent: every object is looked up by its natural key first, so running the demo twice
changes nothing. Other apps add their own `demo.py` with a `load(stdout)` function; the
`steward demo` command runs them in INSTALLED_APPS order.
"""

from steward.core import services
from steward.core.models import Organisation, Project, User, Vendor

DEMO_PASSWORD = "steward-demo"

CLIENT_NAME = "明光零售 Lumen Retail"

# code, name, and how the vendor performs in the demo's operational data (used by later apps).
VENDORS = [
    ("aurora", "Aurora CX 极光客服", "strong"),
    ("bamboo", "Bamboo Contact 青竹联络", "average"),
    ("cedar", "Cedar Services 雪松服务", "deteriorating"),
]

PROJECTS = [
    ("presales-chat", "售前在线咨询 Pre-sales chat", ["chat"], ["aurora", "bamboo"]),
    ("aftersales-voice", "售后热线 After-sales hotline", ["voice"], ["bamboo", "cedar"]),
    ("support-email", "邮件与工单支持 Email & ticket support", ["email", "ticket"], ["aurora", "cedar"]),
]

CLIENT_USERS = [
    ("admin", "client_admin", "林", "安"),
    ("manager", "outsourcing_manager", "王", "敏"),
    ("qa", "qa_analyst", "陈", "琪"),
    ("finance", "finance", "赵", "芳"),
    ("lead", "project_lead", "刘", "洋"),
    ("auditor", "auditor", "周", "审"),
]

VENDOR_USERS = [
    ("{code}-manager", "vendor_manager"),
    ("{code}-agent1", "agent"),
    ("{code}-agent2", "agent"),
]
# (family name, given name) of each vendor's manager, first agent and second agent.
VENDOR_PEOPLE = {
    "aurora": [("孙", "悦"), ("李", "明"), ("吴", "婷")],
    "bamboo": [("郑", "浩"), ("冯", "静"), ("何", "磊")],
    "cedar": [("许", "强"), ("邓", "丽"), ("曹", "杰")],
}


def _ensure_user(username: str, role: str, vendor_code: str | None, last: str = "", first: str = "") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.user_create(
            username=username, role=role, vendor_code=vendor_code, password=DEMO_PASSWORD,
            first_name=first, last_name=last, email=f"{username}@demo.invalid",
        )
    return user


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, side) for every demo user, in the order they are printed."""
    rows = [(u, role, CLIENT_NAME) for u, role, *_ in CLIENT_USERS]
    for code, name, _ in VENDORS:
        rows += [(pattern.format(code=code), role, name) for pattern, role in VENDOR_USERS]
    return rows


def load(stdout) -> None:
    if Organisation.current().name != CLIENT_NAME:
        services.organisation_update(name=CLIENT_NAME, currency="CNY", time_zone="Asia/Shanghai")
    for code, name, _ in VENDORS:
        if not Vendor.objects.filter(code=code).exists():
            services.vendor_create(code=code, name=name)
    for code, name, channels, vendor_codes in PROJECTS:
        if not Project.objects.filter(code=code).exists():
            # The pre-sales chat is in its pilot (its plan's go-live gate is still closed); the
            # other two engagements were running before Steward.
            services.project_create(
                code=code, name=name, time_zone="Asia/Shanghai", channels=channels, vendor_codes=vendor_codes,
                status=Project.Status.PLANNING if code == "presales-chat" else Project.Status.LIVE,
                business_calendar="cn-9x18",  # a mainland-China client's office hours
            )
    for username, role, last, first in CLIENT_USERS:
        _ensure_user(username, role, None, last, first)
    for code, _, _ in VENDORS:
        for (pattern, role), (last, first) in zip(VENDOR_USERS, VENDOR_PEOPLE[code], strict=True):
            _ensure_user(pattern.format(code=code), role, code, last, first)
    stdout.write(f"Parties and people: 1 client, {len(VENDORS)} vendors, {len(PROJECTS)} projects, "
                 f"{User.objects.count()} users.")
