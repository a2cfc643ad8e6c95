from audit.models import AuditAction

WEBHOOK_REPLAY = AuditAction.WEBHOOK_REPLAY
WEBHOOK_RENEW = AuditAction.WEBHOOK_RENEW
