"""Demo registry for the three demo vendors: profiles, certifications (Cedar's ISO 27001
expires soon, to show the reminder), contacts with a liaison on each side. Idempotent."""

import datetime as dt

from steward.core.models import Vendor
from steward.vendors import selectors, services
from steward.vendors.models import Certification, VendorContact, VendorProfile

PROFILES = {
    "aurora": dict(legal_name="极光客户服务（上海）有限公司 Aurora CX (Shanghai) Co., Ltd.", seats=420,
                   locations=["上海 Shanghai", "合肥 Hefei"], languages=["普通话 Mandarin", "English", "日本語"],
                   channels=["voice", "chat", "email"], industries=["零售 Retail", "电商 E-commerce"],
                   reference_clients="某头部电商平台; 某国际美妆品牌",
                   reference_cases="双十一峰值 3 倍人力弹性，服务水平保持 85% 以上。"),
    "bamboo": dict(legal_name="青竹联络服务（成都）有限公司 Bamboo Contact (Chengdu) Co., Ltd.", seats=260,
                   locations=["成都 Chengdu"], languages=["普通话 Mandarin", "四川话 Sichuanese"],
                   channels=["voice", "chat"], industries=["零售 Retail", "电信 Telecom"],
                   reference_clients="某省级运营商", reference_cases="热线外包 5 年，续约两次。"),
    "cedar": dict(legal_name="雪松服务外包（西安）有限公司 Cedar Services (Xi'an) Co., Ltd.", seats=180,
                  locations=["西安 Xi'an"], languages=["普通话 Mandarin"], channels=["voice", "email", "ticket"],
                  industries=["家电 Appliances"], reference_clients="某家电品牌售后",
                  reference_cases="售后工单 7×24 支持。"),
}

# vendor, standard, title, days until expiry from the demo date
CERTIFICATIONS = [
    ("aurora", "iso_27001", "信息安全管理体系", 400),
    ("aurora", "copc", "COPC CX Standard 7.0", 250),
    ("aurora", "pci_dss", "Level 2", 180),
    ("bamboo", "iso_9001", "质量管理体系", 300),
    ("bamboo", "iso_27001", "信息安全管理体系", 90),
    ("cedar", "iso_27001", "信息安全管理体系", 20),
    ("cedar", "iso_9001", "质量管理体系", -15),
]

CONTACTS = [
    ("aurora", "vendor", "孙悦 Sun Yue", "运营总监 Operations director"),
    ("bamboo", "vendor", "何川 He Chuan", "项目经理 Project manager"),
    ("cedar", "vendor", "马骏 Ma Jun", "客户经理 Account manager"),
]


def load(stdout) -> None:
    today = selectors.today()
    vendors = {v.code: v for v in Vendor.objects.filter(code__in=PROFILES)}
    for code, fields in PROFILES.items():
        if code in vendors and not VendorProfile.objects.filter(vendor=vendors[code]).exists():
            services.profile_update(actor=None, vendor=vendors[code], **fields)
    for code, standard, title, days in CERTIFICATIONS:
        if code in vendors and not Certification.objects.filter(vendor=vendors[code], standard=standard).exists():
            services.certification_add(actor=None, vendor=vendors[code], standard=standard, title=title,
                                       issuer="CQC 中国质量认证中心", certificate_number=f"{code.upper()}-{standard}",
                                       issued_on=today - dt.timedelta(days=3 * 365 - days),
                                       expires_on=today + dt.timedelta(days=days))
    for code, side, name, title in CONTACTS:
        if code in vendors and not VendorContact.objects.filter(vendor=vendors[code]).exists():
            services.contact_save(actor=None, vendor=vendors[code], side=side, name=name, job_title=title,
                                  email=f"liaison@{code}.demo.invalid", is_liaison=True)
            services.contact_save(actor=None, vendor=vendors[code], side="client", name="王敏 Wang Min",
                                  job_title="外包经理 Outsourcing manager", email="manager@demo.invalid",
                                  is_liaison=True)
    stdout.write(f"Vendor registry: {VendorProfile.objects.count()} profiles, "
                 f"{Certification.objects.count()} certifications.")
