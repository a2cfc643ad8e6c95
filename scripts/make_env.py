"""Write .env (or, with --production, .env.production) from .env.example with fresh random
secrets. `make run` calls it once; it never overwrites an existing file."""

import base64
import secrets
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
target = root / (".env.production" if "--production" in sys.argv else ".env")
if target.exists():
    raise SystemExit(0)
webhook_secret = base64.b64encode(secrets.token_bytes(32)).decode()
lines = []
for line in (root / ".env.example").read_text().splitlines():
    if line.startswith("DJANGO_SECRET_KEY="):
        line = "DJANGO_SECRET_KEY=" + secrets.token_urlsafe(50)
    elif line.startswith("TANGO_WEBHOOK_SECRET="):
        line = "TANGO_WEBHOOK_SECRET=" + webhook_secret
    elif line.startswith("TANGO_SIM_WEBHOOK_SECRET="):
        line = "TANGO_SIM_WEBHOOK_SECRET=" + webhook_secret
    lines.append(line)
target.write_text("\n".join(lines) + "\n")
target.chmod(0o600)
print(f"wrote {target} with fresh secrets")
