"""Check every stored signed PDF against the SHA-256 recorded at signing: `verify_signed_plans` (design.md §12).

Exit 0 when every signed plan has its PDF and every PDF matches; 1 otherwise, naming each plan that fails.
Run it daily and after every restore of a backup.
"""

import hashlib
import sys

from django.core.management.base import BaseCommand

from plans.models import Plan, SignedDocument


class Command(BaseCommand):
    help = "Verify every signed plan's stored PDF against its recorded SHA-256 (exit 1 on any mismatch)."

    def handle(self, *args, **options):
        failures = 0
        documents = SignedDocument.objects.select_related("plan").order_by("plan__year", "plan__number")
        for document in documents.iterator(chunk_size=20):
            plan = document.plan
            actual = hashlib.sha256(bytes(document.pdf)).hexdigest()
            if actual == document.sha256:
                self.stdout.write(f"ĐÚNG  {plan.document_number} ({plan.year}) sha256 {actual}")
            else:
                failures += 1
                self.stderr.write(
                    f"SAI   {plan.document_number} ({plan.year}): sha256 đã ghi {document.sha256}, "
                    f"bản lưu hiện có sha256 {actual} — bản PDF đã bị thay đổi."
                )
        for plan in Plan.objects.filter(status=Plan.Status.SIGNED, signed_document__isnull=True):
            failures += 1
            self.stderr.write(f"SAI   {plan.document_number} ({plan.year}): đã ký nhưng không có bản PDF lưu.")
        if failures:
            self.stderr.write(f"{failures} kế hoạch đã ký không khớp.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("Mọi bản PDF đã ký đều khớp SHA-256."))
