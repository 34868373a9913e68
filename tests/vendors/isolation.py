"""Registry rows for both walked vendors: profile, certifications, documents with versions,
contacts with liaisons, status history. Vendor B's texts are the markers that must not leak."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from steward.vendors import services


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + text.encode(), content_type="application/pdf")


def seed(world):
    admin = world.user("client_admin")
    today = dt.date.today()
    for vendor, word in ((world.vendor_a, "Alphaword"), (world.vendor_b, "Bravoword")):
        services.profile_update(
            actor=admin, vendor=vendor, legal_name=f"{word} Holdings Ltd", registration_number=f"REG-{word}",
            locations=[f"{word} City"], languages=["Mandarin", f"{word}ese"], channels=["voice", "chat"],
            seats=120, industries=[f"{word} retail"], reference_clients=f"{word} Client Co",
            reference_cases=f"{word} migration case",
        )
        services.certification_add(actor=admin, vendor=vendor, standard="iso_27001", title=f"{word} scope",
                                   certificate_number=f"CERT-{word}", issuer=f"{word} Registrar",
                                   expires_on=today + dt.timedelta(days=10))
        services.certification_add(actor=admin, vendor=vendor, standard="other", title=f"{word} local licence",
                                   expires_on=today - dt.timedelta(days=3))
        for n in (1, 2):
            services.document_upload(actor=admin, vendor=vendor, title=f"{word} insurance policy",
                                     upload=_pdf(f"{word}-policy-{n}.pdf", f"{word} v{n}"), category="insurance",
                                     note=f"{word} renewal note {n}")
        services.contact_save(actor=admin, vendor=vendor, name=f"{word} Liaison Person", side="vendor",
                              email=f"liaison@{word.lower()}.example", phone="+86 21 5555 0101", is_liaison=True)
        services.contact_save(actor=admin, vendor=vendor, name=f"{word} Client Owner", side="client",
                              is_liaison=True)
        services.vendor_transition(actor=admin, vendor=vendor, to_status="on_notice",
                                   reason=f"{word} performance warning")
        vendor.refresh_from_db()
