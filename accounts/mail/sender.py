"""send_mail: the one way Accounts sends email, after the flow committed.

The development outbox commits its row like an SMTP server accepts a message: a mail sent stays sent.
"""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from ..extensions import db
from .models import OutboxMessage

log = logging.getLogger(__name__)


def outbox_enabled() -> bool:
    """Mail goes to the outbox page when no SMTP server is configured (never in production)."""
    return not current_app.config["MAIL_SERVER"]


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text email, or keep it in the development outbox."""
    if outbox_enabled():
        db.session.add(OutboxMessage(to=to, subject=subject, body=body))
        db.session.commit()
        return
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # A mail outage must not turn sign-up or reset into a 500 (or reveal who exists).
        log.exception("Could not send mail %r", subject)
