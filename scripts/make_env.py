"""Write .env from .env.example with fresh random secrets (run once by `make run`)."""

import base64
import secrets
from pathlib import Path

root = Path(__file__).resolve().parent.parent
target = root / ".env"
if target.exists():
    raise SystemExit(0)
lines = []
for line in (root / ".env.example").read_text().splitlines():
    if line.startswith("DJANGO_SECRET_KEY="):
        line = "DJANGO_SECRET_KEY=" + secrets.token_urlsafe(50)
    elif line.startswith("TANGO_WEBHOOK_SECRET="):
        line = "TANGO_WEBHOOK_SECRET=" + base64.b64encode(secrets.token_bytes(32)).decode()
    lines.append(line)
target.write_text("\n".join(lines) + "\n")
target.chmod(0o600)
print(f"wrote {target} with fresh secrets")
