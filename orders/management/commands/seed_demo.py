from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orders.demo import seed_demo


class Command(BaseCommand):
    help = "Create demo logins (one per role) and ~200 demo orders in every status."

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
