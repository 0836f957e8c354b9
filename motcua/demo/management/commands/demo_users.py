import json

from django.conf import settings
from django.core.management.base import BaseCommand

from motcua.demo.data import DEMO_PASSWORD, USERS, pack_demo


class Command(BaseCommand):
    help = "List the demo users with their role and unit code."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        pack = settings.COUNTRY_DIR / "demo.yaml"
        users = pack_demo(pack)[2] if pack.is_file() else USERS
        rows = [
            {"username": u.username, "name": u.full_name, "role": str(u.role), "unit": u.unit, "personal_id": u.personal_id}
            for u in users
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"password": DEMO_PASSWORD, "users": rows}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"password for every demo user: {DEMO_PASSWORD}")
        for r in rows:
            self.stdout.write(f"{r['username']:<22} {r['role']:<18} {r['unit'] or '':<16} {r['name']}")
