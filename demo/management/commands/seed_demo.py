"""`seed_demo`: demo logins, orders at the local simulator (orders.demo), then each app's demo
built on them (approvals.demo, ...). It lives in the `demo` app, at the top of the layers, so
it may call every app's demo function; no app below imports another app above it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from approvals.demo import seed_approvals_demo
from entry.demo import seed_followups_demo
from finance.demo import seed_balances_demo
from health.demo import seed_health_demo
from orders.demo import seed_demo
from recon.demo import seed_recon_demo
from uploads.demo import seed_uploads_demo


class Command(BaseCommand):
    help = "Create demo logins (one per role), ~200 demo orders in every status, and orders "
    help += "waiting for approval under a demo policy, failed rewards to re-order, and a "
    help += "reconciliation run with a few mismatches."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=200)
        parser.add_argument("--force", action="store_true", help="seed orders even if some exist")

    def handle(self, *args, orders: int, force: bool, **options):
        password = settings.DEMO_PASSWORD
        try:
            report = seed_demo(password=password, orders=orders, force=force)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"demo logins: support, finance, manager, admin (password: {password})")
        if report.skipped:
            self.stdout.write("orders already present; use --force to seed more")
        else:
            self.stdout.write(
                f"seeded {report.remote_orders} orders and {report.bulk_orders} bulk orders at "
                f"the simulator (synced in), {report.local_orders} local orders for the worker"
            )
        waiting = seed_approvals_demo()
        if waiting:
            self.stdout.write(f"approval policy v1 and {waiting} orders waiting for approval")
        followups = seed_followups_demo()
        self.stdout.write(
            f"{followups.reorderable} failed rewards to re-order"
            + (f", {followups.reordered} re-ordered already" if followups.reordered else "")
        )
        if seed_balances_demo():
            self.stdout.write("balances read; low-balance thresholds set (acme-usd-02 is low)")
        if seed_health_demo():
            self.stdout.write("a failed webhook event to replay on the sync health page")
        run = seed_recon_demo()
        if run is not None:
            self.stdout.write(
                f"reconciliation #{run.pk}: {run.found} mismatches with the simulator "
                f"({run.orders_compared} orders compared, {run.windows} windows)"
            )
        upload = seed_uploads_demo()
        if upload is not None:
            summary = upload.summary or {}
            self.stdout.write(
                f"upload #{upload.pk} ({upload.filename}, by support): dry run done, "
                f"{summary.get('valid', '?')} valid rows of {upload.total_rows}, waiting to "
                "be placed"
            )
